package io.salience.bench;

import io.salience.attribution.AblationCamMethod;
import io.salience.attribution.AttributionContext;
import io.salience.attribution.BlurIntegratedGradientsMethod;
import io.salience.attribution.DeconvNetMethod;
import io.salience.attribution.EigenCamMethod;
import io.salience.attribution.GradCamMethod;
import io.salience.attribution.GradCamPlusPlusMethod;
import io.salience.attribution.GradientMethod;
import io.salience.attribution.GradientTimesInputMethod;
import io.salience.attribution.GraphAccess;
import io.salience.attribution.GuidedBackpropMethod;
import io.salience.attribution.GuidedGradCamMethod;
import io.salience.attribution.HiResCamMethod;
import io.salience.attribution.InputAttribution;
import io.salience.attribution.IntegratedGradientsMethod;
import io.salience.attribution.LayerCamMethod;
import io.salience.attribution.LimeMethod;
import io.salience.attribution.OcclusionMethod;
import io.salience.attribution.RiseMethod;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.ScoreCamMethod;
import io.salience.attribution.SmoothGradMethod;
import io.salience.attribution.XGradCamMethod;
import io.salience.attribution.XraiMethod;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.imaging.PreparedImage;
import io.salience.model.LoadedModel;
import io.salience.testing.DirectGraphAccess;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cost of each method as a ratio to a plain prediction of the same batch, measured in the same run, at engine level
 * (session runs without the pool or HTTP). A method at batch N is N one-image requests whose single-row session runs
 * are merged into one ({@link BatchedGraphAccess}), as the pool merges concurrent requests; IG steps and SmoothGrad
 * samples run per request, in chunks of 64 rows. Prints {@code ratio MODEL METHOD BATCH VALUE}. Not part of {@code verify}:
 * run {@code ./mvnw -Pbench test}.
 */
@Tag("bench")
@ExtendWith(TestModels.class)
class AttributionBenchmarkTest {

    private static final int REPEATS = 20;
    private static final int ROUNDS = 7;

    @Test
    void ratios() {
        run(TestModels.demo());
        run(TestModels.load(Path.of("src/test/resources/fixtures/bench224/model.yaml")));
        if (Files.isDirectory(TestModels.sharedDir().resolve("fixtures/braintumornet/model"))) {
            run(TestModels.shared("braintumornet"));
        }
    }

    /**
     * The perturbation methods at their default parameters, one request (batch 1) per model: the ratio to one
     * prediction, and the cost per perturbed row against a batched prediction of the same batch size (the pool's
     * max-batch, 64), which is 1.0 when the method adds nothing to its session runs. Prints {@code perturbation MODEL
     * METHOD rows ROWS ratio R perRow P}. {@code -Dbench.models=planted-demo,idc-demo} limits the models.
     */
    @Test
    void perturbationRatios() {
        String only = System.getProperty("bench.models", "");
        List<LoadedModel> models = List.of(
                TestModels.planted(),
                TestModels.demo(),
                TestModels.load(Path.of("src/test/resources/fixtures/bench224/model.yaml")));
        for (LoadedModel model : models) {
            String name = model.descriptor().name();
            if (!only.isEmpty() && !List.of(only.split(",")).contains(name)) {
                continue;
            }
            PreparedImage img = Inputs.synthetic(model, 7);
            AttributionContext ctx = Inputs.context(model, img, Map.of());
            List<float[]> one = List.of(img.tensor());
            List<float[]> full = new ArrayList<>();
            for (int i = 0; i < DirectGraphAccess.CHUNK; i++) {
                full.add(img.tensor());
            }
            double predictOne = median(rounds(() -> model.predictRows(one)));
            double predictFull = median(rounds(() -> model.predictRows(full)));
            System.out.printf("perturbation %s predict b1 %.3f ms b64 %.3f ms%n", name, predictOne, predictFull);
            for (SaliencyMethod m : List.of(new LimeMethod(), new OcclusionMethod(), new RiseMethod())) {
                Counting counting = new Counting(new DirectGraphAccess(model));
                Runnable r = () -> m.compute(new AttributionContext(
                        model, img, null, ctx.seed(), ctx.targetScore(), ctx.params(), counting));
                r.run();
                long rows = counting.rows;
                double ratio = ratio(r, () -> model.predictRows(one));
                double perRow = ratio(r, () -> model.predictRows(full)) / (rows / (double) DirectGraphAccess.CHUNK);
                System.out.printf(
                        "perturbation %s %s rows %d ratio %.1f perRow %.3f%n", name, m.name(), rows, ratio, perRow);
            }
        }
    }

    /** Counts the rows scored. */
    private static final class Counting implements GraphAccess {
        private final DirectGraphAccess direct;
        private long rows;

        Counting(DirectGraphAccess direct) {
            this.direct = direct;
        }

        @Override
        public float[] scores(List<float[]> inputs, float[] seed) {
            rows += inputs.size();
            return direct.scores(inputs, seed);
        }

        @Override
        public int maxBatch() {
            return direct.maxBatch();
        }

        @Override
        public List<float[]> logits(List<float[]> inputs) {
            rows += inputs.size();
            return direct.logits(inputs);
        }

        @Override
        public float[] scoresFromLayer(LayerInfo layer, float[] input, List<float[]> activations, float[] seed) {
            rows += activations.size();
            return direct.scoresFromLayer(layer, input, activations, seed);
        }

        @Override
        public List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed) {
            return direct.inputGradients(rule, inputs, seed);
        }

        @Override
        public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] input, float[] seed) {
            return direct.layerGradients(layer, rule, input, seed);
        }
    }

    private static void run(LoadedModel model) {
        GradientMethod gradient = new GradientMethod();
        GuidedBackpropMethod guided = new GuidedBackpropMethod();
        GradCamMethod gradCam = new GradCamMethod();
        List<InputAttribution> bases = List.of(gradient, new GradientTimesInputMethod(), guided, new DeconvNetMethod());
        List<SaliencyMethod> methods = List.of(
                gradient,
                new GradientTimesInputMethod(),
                guided,
                new DeconvNetMethod(),
                gradCam,
                new GradCamPlusPlusMethod(),
                new LayerCamMethod(),
                new GuidedGradCamMethod(gradCam, guided),
                new IntegratedGradientsMethod(),
                new SmoothGradMethod(bases),
                new XGradCamMethod(),
                new HiResCamMethod(),
                new EigenCamMethod(),
                new ScoreCamMethod(),
                new AblationCamMethod(),
                new BlurIntegratedGradientsMethod(),
                new XraiMethod());
        String name = model.descriptor().name();
        for (int batch : new int[] {1, 16}) {
            List<PreparedImage> images = new ArrayList<>();
            List<float[]> inputs = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                PreparedImage img = Inputs.synthetic(model, 1000L * batch + i);
                images.add(img);
                inputs.add(img.tensor());
            }
            Map<String, String> params = Map.of("samples", "25");
            List<AttributionContext> contexts = images.stream()
                    .map(img -> Inputs.context(model, img, params))
                    .toList();
            List<float[]> seeds =
                    contexts.stream().map(AttributionContext::seed).toList();
            Runnable predictRun = () -> model.predictRows(inputs);
            System.out.printf("predict %s %d %.3f ms%n", name, batch, median(rounds(predictRun)));
            for (SaliencyMethod m : methods) {
                Runnable r = () -> {
                    // N one-image requests whose single-row session runs are merged, as the pool merges them
                    BatchedGraphAccess merged = new BatchedGraphAccess(model, inputs, seeds);
                    for (AttributionContext c : contexts) {
                        m.compute(new AttributionContext(
                                c.model(), c.image(), null, c.seed(), c.targetScore(), c.params(), merged));
                    }
                };
                System.out.printf("ratio %s %s %d %.2f%n", name, m.name(), batch, ratio(r, predictRun));
            }
        }
    }

    /**
     * Median over 7 rounds of (method time / prediction time), the two timed back to back in each round, so that a
     * slow drift of the machine's speed cancels out.
     */
    private static double ratio(Runnable method, Runnable predict) {
        warmUp(method);
        warmUp(predict);
        double[] ratios = new double[ROUNDS];
        for (int k = 0; k < ROUNDS; k++) {
            ratios[k] = round(method) / round(predict);
        }
        return median(ratios);
    }

    private static double[] rounds(Runnable r) {
        warmUp(r);
        double[] t = new double[ROUNDS];
        for (int k = 0; k < ROUNDS; k++) {
            t[k] = round(r);
        }
        return t;
    }

    private static void warmUp(Runnable r) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
    }

    /** Mean time per call over at least 200 ms and 3 calls, at most {@link #REPEATS} calls (milliseconds). */
    private static double round(Runnable r) {
        int calls = 0;
        long t0 = System.nanoTime();
        long elapsed;
        do {
            r.run();
            calls++;
            elapsed = System.nanoTime() - t0;
        } while (calls < REPEATS && elapsed < 200_000_000L || calls < 3);
        return elapsed / 1e6 / calls;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }
}
