package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.salience.engine.ModelGraph;
import io.salience.graph.LayerInfo;
import io.salience.imaging.NpyArray;
import io.salience.imaging.NpyReader;
import io.salience.imaging.SaliencyNormalizer;
import io.salience.model.LoadedModel;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of {@code src/test/resources/reference/manifest.json} (maps computed with tf-keras-vis, PAIR saliency and
 * GradientTape on the keras2 fixture exports, see {@code reference/README.md}): our method on the same SavedModel, input
 * row, target (and layer) agrees with the reference map after the service's default normalisation (max-abs channel
 * reduction, 99.5th percentile clip, [0, 1]): Spearman rank correlation at least 0.99 and max abs difference at most
 * 1e-3.
 *
 * <p>Integrated gradients: the reference is PAIR's {@code x * mean_i grad(alpha_i x)} with {@code alpha_i =
 * linspace(0, 1, steps)} at {@code steps = 16384}, where that first-order rule has converged to the path integral
 * (its endpoint bias {@code x ((g(0) + g(1)) / 2 - mean g) / steps} is below ~3e-4 of the map). Ours must be converged
 * too, and one call at our maximum of {@value #IG_STEPS} trapezoid steps is not on these piecewise-linear networks:
 * the gradient along the path jumps at every rectifier/max-pool switch, so ANY rule's error is first order there, and
 * at 1024 steps it is 1-5e-3 of the normalised map on resnet, mobilenetv2 and efficientnet. Both sides are therefore
 * compared at many steps: the asserted map is our {@link IntegratedGradientsMethod} (trapezoid, {@value #IG_STEPS}
 * steps) run on {@value #IG_SEGMENTS} consecutive pieces {@code [k/K x, (k+1)/K x]} of the same black-baseline path
 * (piece k: input {@code (k+1)/K x}, uploaded baseline {@code k/K x}) and summed, which is exactly the trapezoid rule
 * with {@value #IG_SEGMENTS} x {@value #IG_STEPS} steps on the whole path (IG is additive along the path). The single
 * {@value #IG_STEPS}-step call is computed too and printed in the table ("single call"), not asserted. SmoothGrad,
 * VarGrad and SquareGrad use the recorded noise of the reference: the base gradient at {@code float32(x + noise[s])},
 * combined with {@link SmoothGradMethod#aggregate}.
 */
@ExtendWith(TestModels.class)
class ReferenceAgreementTest {

    private static final Path RESOURCES = Path.of("src/test/resources");
    private static final double MIN_SPEARMAN = 0.99;
    private static final double MAX_ABS_DIFF = 1e-3;
    /** Our maximum ({@link IntegratedGradientsMethod#MAX_STEPS}), trapezoid rule. */
    private static final int IG_STEPS = IntegratedGradientsMethod.MAX_STEPS;
    /** Pieces of the path for the converged comparison: 16 x 1024 = 16384 trapezoid steps in all. */
    private static final int IG_SEGMENTS = 16;

    /** Results by case name, printed as a table after all cases. */
    private static final Map<String, String> TABLE = new ConcurrentSkipListMap<>();

    /** One manifest entry. */
    record Case(
            String fixture,
            String input,
            int row,
            String method,
            int target,
            String layer,
            JsonNode params,
            String expected,
            int[] shape) {
        String name() {
            return fixture + "/row" + row + "-" + method;
        }

        @Override
        public String toString() {
            return name();
        }
    }

    static List<Case> cases() throws IOException {
        JsonNode root = new ObjectMapper()
                .readTree(RESOURCES.resolve("reference/manifest.json").toFile());
        List<Case> out = new ArrayList<>();
        for (JsonNode c : root) {
            assertThat(c.get("export").asText()).isEqualTo("keras2");
            int[] shape = new int[c.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = c.get("shape").get(i).asInt();
            }
            JsonNode layer = c.get("layer");
            out.add(new Case(
                    c.get("fixture").asText(),
                    c.get("input").asText(),
                    c.get("row").asInt(),
                    c.get("method").asText(),
                    c.get("target").asInt(),
                    layer == null || layer.isNull() ? null : layer.asText(),
                    c.get("params"),
                    c.get("expected").asText(),
                    shape));
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agreesWithReference(Case c) throws IOException {
        LoadedModel model = TestModels.arch(c.fixture() + "/keras2");
        float[] x = row(read(c.input()), c.row());
        NpyArray expectedArray = NpyReader.read(RESOURCES.resolve(c.expected()));
        assertThat(expectedArray.shape()).as("%s stored shape", c).containsExactly(c.shape());
        float[] expected = expectedArray.toFloatArray();

        Map<String, String> params = new HashMap<>();
        String note = "";
        if (c.layer() != null) {
            ModelGraph graph = model.graph();
            LayerInfo layer = graph.findLayer(c.layer());
            if (layer == null) {
                // fallback: the Keras layer's own name (last path segment) as a graph-scope suffix
                String last = c.layer().substring(c.layer().lastIndexOf('/') + 1);
                layer = graph.findLayer(last);
                note = " layer '" + c.layer() + "' resolved only by its last segment";
            }
            assertThat(layer)
                    .as("%s: layer %s not found among %s", c, c.layer(), graph.layers())
                    .isNotNull();
            params.put("layer", layer.name());
        }
        if (c.method().equals("integrated-gradients")) {
            assertThat(c.params().get("steps").asInt()).isGreaterThanOrEqualTo(IG_SEGMENTS * IG_STEPS);
            assertThat(c.params().get("riemann").asText()).isEqualTo("pair-linspace");
            assertThat(c.params().get("baseline").asText()).isEqualTo("black");
            params.put("steps", "" + IG_STEPS);
            params.put("riemann", "trapezoid");
            params.put("baseline", "black");
        }
        AttributionContext ctx = Inputs.context(model, Inputs.tensor(model, x), c.target(), params);
        SaliencyMap ours =
                c.method().equals("integrated-gradients") ? segmentedIntegratedGradients(ctx, x) : compute(c, ctx, x);

        int h = c.shape()[0];
        int w = c.shape()[1];
        int ch = c.shape().length > 2 ? c.shape()[2] : 1;
        assertThat(ours.shape()).as("%s our shape", c).containsExactly(h, w, ch);
        assertThat(ours.values()).hasSize(expected.length);

        Agreement a = agreement(ours.values(), expected, h, w, ch);
        String extra = note;
        if (c.method().equals("integrated-gradients")) {
            Agreement single = agreement(compute(c, ctx, x).values(), expected, h, w, ch);
            extra += String.format(
                    Locale.ROOT,
                    " [%d x %d steps; single call, %d steps: spearman %.6f maxAbsDiff %.3e rawRel %.2e]",
                    IG_SEGMENTS,
                    IG_STEPS,
                    IG_STEPS,
                    single.spearman,
                    single.maxAbsDiff,
                    single.rawRel);
        }
        boolean ok = a.spearman >= MIN_SPEARMAN && a.maxAbsDiff <= MAX_ABS_DIFF;
        String line = String.format(
                Locale.ROOT,
                "%-38s %-4s spearman %.6f  maxAbsDiff %.3e  rawRel %.2e%s",
                c.name(),
                ok ? "ok" : "FAIL",
                a.spearman,
                a.maxAbsDiff,
                a.rawRel,
                extra);
        TABLE.put(c.name(), line);
        System.out.println("[REF] " + line);

        assertThat(a.spearman).as("%s Spearman rank correlation", c).isGreaterThanOrEqualTo(MIN_SPEARMAN);
        assertThat(a.maxAbsDiff).as("%s max abs difference", c).isLessThanOrEqualTo(MAX_ABS_DIFF);
    }

    @AfterAll
    static void printTable() {
        long failed = TABLE.values().stream().filter(l -> l.contains(" FAIL ")).count();
        StringBuilder sb = new StringBuilder("[REF] ===== reference agreement: ")
                .append(TABLE.size() - failed)
                .append(" ok, ")
                .append(failed)
                .append(" failed =====\n");
        TABLE.values().forEach(l -> sb.append("[REF] ").append(l).append('\n'));
        System.out.print(sb);
    }

    private static SaliencyMap compute(Case c, AttributionContext ctx, float[] x) throws IOException {
        GradientMethod gradient = new GradientMethod();
        GradCamMethod gradCam = new GradCamMethod();
        GuidedBackpropMethod guided = new GuidedBackpropMethod();
        return switch (c.method()) {
            case "gradient" -> gradient.compute(ctx);
            case "gradient-x-input" -> new GradientTimesInputMethod().compute(ctx);
            case "integrated-gradients" -> new IntegratedGradientsMethod().compute(ctx);
            case "guided-backprop" -> guided.compute(ctx);
            case "deconvnet" -> new DeconvNetMethod().compute(ctx);
            case "grad-cam" -> gradCam.compute(ctx);
            case "grad-cam++" -> new GradCamPlusPlusMethod().compute(ctx);
            case "layer-cam" -> new LayerCamMethod().compute(ctx);
            case "guided-grad-cam" -> new GuidedGradCamMethod(gradCam, guided).compute(ctx);
            case "smoothgrad", "vargrad", "squaregrad" -> {
                SmoothGradMethod.Aggregation agg =
                        switch (c.method()) {
                            case "smoothgrad" -> SmoothGradMethod.Aggregation.MEAN;
                            case "vargrad" -> SmoothGradMethod.Aggregation.VARIANCE;
                            default -> SmoothGradMethod.Aggregation.SQUARE;
                        };
                NpyArray noiseArray =
                        NpyReader.read(RESOURCES.resolve(c.params().get("noise").asText()));
                int samples = noiseArray.shape()[0];
                assertThat(samples).isEqualTo(c.params().get("samples").asInt());
                float[] noise = noiseArray.toFloatArray();
                List<float[]> noisy = new ArrayList<>(samples);
                for (int s = 0; s < samples; s++) {
                    float[] xs = new float[x.length];
                    for (int j = 0; j < x.length; j++) {
                        xs[j] = x[j] + noise[s * x.length + j]; // float32 addition, as numpy
                    }
                    noisy.add(xs);
                }
                float[] map = SmoothGradMethod.aggregate(gradient.attribute(ctx, noisy), agg);
                yield new SaliencyMap(map, ctx.height(), ctx.width(), ctx.channels());
            }
            default -> throw new IllegalArgumentException("unknown method " + c.method());
        };
    }

    /**
     * Our {@link IntegratedGradientsMethod} (trapezoid, {@link #IG_STEPS} steps) on the pieces {@code [k/K x, (k+1)/K
     * x]}, k = 0..K-1, of the black-baseline path, summed: piece k explains input {@code float32((k+1)/K x)} against
     * the uploaded baseline {@code float32(k/K x)}, i.e. {@code x/K * ∫ grad} over that piece, so the sum is the
     * trapezoid rule with K x {@link #IG_STEPS} steps on the whole path.
     */
    private static SaliencyMap segmentedIntegratedGradients(AttributionContext ctx, float[] x) {
        Map<String, String> params = Map.of("steps", "" + IG_STEPS, "riemann", "trapezoid", "baseline", "uploaded");
        double[] acc = new double[x.length];
        float[] from = new float[x.length]; // k = 0: the black baseline (all zeros for these fixtures)
        float[] black = IntegratedGradientsMethod.baseline(ctx);
        assertThat(black).as("black baseline").containsOnly(0f);
        for (int k = 0; k < IG_SEGMENTS; k++) {
            double alpha = (double) (k + 1) / IG_SEGMENTS;
            float[] to = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                to[j] = k + 1 == IG_SEGMENTS ? x[j] : (float) (alpha * x[j]);
            }
            AttributionContext piece = new AttributionContext(
                    ctx.model(),
                    Inputs.tensor(ctx.model(), to),
                    Inputs.tensor(ctx.model(), from),
                    ctx.seed(),
                    ctx.targetScore(),
                    new Params(params),
                    ctx.graph());
            float[] part = new IntegratedGradientsMethod().compute(piece).values();
            for (int j = 0; j < x.length; j++) {
                acc[j] += part[j];
            }
            from = to;
        }
        float[] out = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            out[j] = (float) acc[j];
        }
        return new SaliencyMap(out, ctx.height(), ctx.width(), ctx.channels());
    }

    /** Agreement of two raw maps after the default normalisation; rawRel = max|ours - ref| / max|ref| (raw). */
    record Agreement(double spearman, double maxAbsDiff, double rawRel) {}

    static Agreement agreement(float[] ours, float[] expected, int h, int w, int ch) {
        float[] a = SaliencyNormalizer.normalize(ours, h, w, ch).values();
        float[] b = SaliencyNormalizer.normalize(expected, h, w, ch).values();
        double maxAbs = 0;
        for (int i = 0; i < a.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs((double) a[i] - b[i]));
        }
        double rawDiff = 0;
        double rawMax = 0;
        for (int i = 0; i < ours.length; i++) {
            rawDiff = Math.max(rawDiff, Math.abs((double) ours[i] - expected[i]));
            rawMax = Math.max(rawMax, Math.abs(expected[i]));
        }
        return new Agreement(spearman(a, b), maxAbs, rawDiff / Math.max(rawMax, 1e-30));
    }

    /** Spearman rank correlation: Pearson correlation of the ranks, ties given their average rank. */
    static double spearman(float[] a, float[] b) {
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        int n = ra.length;
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < n; i++) {
            ma += ra[i];
            mb += rb[i];
        }
        ma /= n;
        mb /= n;
        double cov = 0;
        double va = 0;
        double vb = 0;
        for (int i = 0; i < n; i++) {
            double da = ra[i] - ma;
            double db = rb[i] - mb;
            cov += da * db;
            va += da * da;
            vb += db * db;
        }
        return cov / Math.sqrt(va * vb);
    }

    /** 1-based ranks, tied values get the mean of the ranks they span. */
    static double[] ranks(float[] v) {
        int n = v.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (i, j) -> Float.compare(v[i], v[j]));
        double[] r = new double[n];
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && Float.compare(v[order[j + 1]], v[order[i]]) == 0) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = rank;
            }
            i = j + 1;
        }
        return r;
    }

    private static NpyArray read(String relative) {
        try {
            return NpyReader.read(RESOURCES.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] row(NpyArray all, int i) {
        float[] values = all.toFloatArray();
        int per = values.length / all.shape()[0];
        return Arrays.copyOfRange(values, i * per, (i + 1) * per);
    }
}
