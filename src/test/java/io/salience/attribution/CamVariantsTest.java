package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.imaging.NpyReader;
import io.salience.model.LoadedModel;
import io.salience.testing.DirectGraphAccess;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * XGrad-CAM, HiResCAM, Eigen-CAM, Ablation-CAM, Score-CAM and Blur IG: hand computations from the fetched
 * activations and gradients, a rank-one case with a known principal component, the linear-head identity of
 * ablation, and agreement with tf-keras-vis Scorecam and PAIR BlurIG on committed reference maps
 * ({@code tools/reference/make_cam_variants_reference.py}).
 */
@ExtendWith(TestModels.class)
class CamVariantsTest {

    private static final Path REFERENCE = Path.of("src/test/resources/reference/cam-variants");

    static List<Inputs.Case> cases() {
        return Inputs.numericalCases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientCamVariantsMatchHandComputation(Inputs.Case c) {
        AttributionContext ctx = Inputs.context(c.model(), c.image(), Map.of());
        LayerInfo layer = c.model().graph().defaultCamLayer();
        var lg = new DirectGraphAccess(c.model()).layerGradients(layer, Rule.PLAIN, ctx.input(), ctx.seed());
        int hw = lg.height() * lg.width();
        int k = lg.channels();
        float[] a = lg.activations();
        float[] g = lg.gradients();
        // XGrad-CAM: w_k = Σ_ij g A / (Σ_ij A + 1e-7)
        double[] num = new double[k];
        double[] den = new double[k];
        for (int i = 0; i < a.length; i++) {
            num[i % k] += (double) g[i] * a[i];
            den[i % k] += a[i];
        }
        double[] w = new double[k];
        for (int ch = 0; ch < k; ch++) {
            w[ch] = num[ch] / (den[ch] + 1e-7);
        }
        double[] xgrad = new double[hw];
        double[] hires = new double[hw];
        for (int p = 0; p < hw; p++) {
            double s = 0;
            double e = 0;
            for (int ch = 0; ch < k; ch++) {
                s += w[ch] * a[p * k + ch];
                e += (double) g[p * k + ch] * a[p * k + ch];
            }
            xgrad[p] = Math.max(0, s);
            hires[p] = Math.max(0, e);
        }
        assertClose(c + " xgrad-cam", new XGradCamMethod().compute(ctx).values(), xgrad, 1e-5);
        assertClose(c + " hires-cam", new HiResCamMethod().compute(ctx).values(), hires, 1e-5);
    }

    @Test
    void eigenCamOfRankOneActivationsIsTheirSpatialPattern() {
        int h = 3;
        int w = 4;
        int c = 5;
        double[] u = {2, -1, 0.5, -1.5, 1, 0, -0.5, 1.5, -2, 0.5, 0, -0.5}; // sums to 0
        double[] v = {1, 2, 0.5, 3, 1.5}; // mean > 0, so the projection agrees with the channel mean
        double[] m = {4, 3, 5, 6, 2};
        float[] a = new float[h * w * c];
        for (int p = 0; p < h * w; p++) {
            for (int k = 0; k < c; k++) {
                a[p * c + k] = (float) (m[k] + u[p] * v[k]);
            }
        }
        double norm = 0;
        for (double d : v) {
            norm += d * d;
        }
        norm = Math.sqrt(norm);
        double[] expected = new double[h * w];
        for (int p = 0; p < h * w; p++) {
            expected[p] = Math.max(0, u[p] * norm);
        }
        var lg = new GraphAccess.LayerGradient(0, a, new float[a.length], h, w, c);
        assertClose("rank one", new EigenCamMethod().combine(lg), expected, 1e-5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eigenCamIsTheSameFromEitherSideOfTheSvd(Inputs.Case c) {
        AttributionContext ctx = Inputs.context(c.model(), c.image(), Map.of());
        LayerInfo layer = c.model().graph().defaultCamLayer();
        var lg = new DirectGraphAccess(c.model()).layerGradients(layer, Rule.PLAIN, ctx.input(), ctx.seed());
        int pixels = lg.height() * lg.width();
        int k = lg.channels();
        double[][] x = new double[pixels][k];
        double[] mean = new double[k];
        for (int p = 0; p < pixels; p++) {
            for (int ch = 0; ch < k; ch++) {
                x[p][ch] = lg.activations()[p * k + ch];
                mean[ch] += x[p][ch] / pixels;
            }
        }
        for (double[] row : x) {
            for (int ch = 0; ch < k; ch++) {
                row[ch] -= mean[ch];
            }
        }
        double[] gram = EigenCamMethod.firstComponent(x, pixels, k, true);
        double[] cov = EigenCamMethod.firstComponent(x, pixels, k, false);
        double dot = 0;
        for (int p = 0; p < pixels; p++) {
            dot += gram[p] * cov[p];
        }
        double sign = Math.signum(dot);
        double[] aligned = new double[pixels];
        float[] got = new float[pixels];
        for (int p = 0; p < pixels; p++) {
            aligned[p] = sign * cov[p];
            got[p] = (float) gram[p];
        }
        assertClose(c + " eigen-cam X Xᵀ vs Xᵀ X", got, aligned, 1e-4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void feedingTheLayerItsOwnActivationsGivesTheSameScore(Inputs.Case c) {
        AttributionContext ctx = Inputs.context(c.model(), c.image(), Map.of());
        LayerInfo layer = c.model().graph().defaultCamLayer();
        DirectGraphAccess g = new DirectGraphAccess(c.model());
        var lg = g.layerGradients(layer, Rule.PLAIN, ctx.input(), ctx.seed());
        float[] fed = g.scoresFromLayer(layer, ctx.input(), List.of(lg.activations()), ctx.seed());
        assertThat((double) fed[0])
                .as("%s score through the fed layer", c)
                .isCloseTo(lg.score(), org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(lg.score()))));
    }

    /** Above {@code plain}'s last_conv there are only max pooling and a dense layer: zeroing a channel removes
     * exactly its gradient-times-activation sum from the score, so ablation weights are {@code Σ_ij g A / |y|}. */
    @Test
    void ablationOfALinearHeadRemovesTheGradientTimesActivationSum() {
        for (String export : List.of("plain/keras2", "plain/keras3")) {
            LoadedModel m = TestModels.arch(export);
            AttributionContext ctx = Inputs.context(m, Inputs.tensor(m, Inputs.archInput("plain", 0)), Map.of());
            LayerInfo layer = m.graph().defaultCamLayer();
            var lg = new DirectGraphAccess(m).layerGradients(layer, Rule.PLAIN, ctx.input(), ctx.seed());
            int hw = lg.height() * lg.width();
            int k = lg.channels();
            double[] w = new double[k];
            for (int i = 0; i < lg.activations().length; i++) {
                w[i % k] += (double) lg.gradients()[i] * lg.activations()[i] / Math.abs(lg.score());
            }
            double[] expected = new double[hw];
            for (int p = 0; p < hw; p++) {
                double s = 0;
                for (int ch = 0; ch < k; ch++) {
                    s += w[ch] * lg.activations()[p * k + ch];
                }
                expected[p] = Math.max(0, s);
            }
            assertClose(
                    export + " ablation-cam",
                    new AblationCamMethod().compute(ctx).values(),
                    expected,
                    1e-4);
        }
    }

    static List<JsonNode> referenceCases() throws IOException {
        return Inputs.manifestCases(REFERENCE.resolve("manifest.json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void agreesWithTfKerasVisScorecamAndPairBlurIg(JsonNode c) throws IOException {
        String fixture = c.path("fixture").asString();
        String method = c.path("method").asString();
        LoadedModel m = TestModels.arch(fixture + "/keras2");
        Map<String, String> params = new java.util.LinkedHashMap<>();
        c.path("params")
                .properties()
                .forEach(e -> params.put(e.getKey(), e.getValue().asString()));
        if (method.equals("score-cam")) {
            params.put("layer", "last_conv"); // the reference's penultimate_layer (not always the automatic layer)
        }
        AttributionContext ctx = Inputs.context(
                m,
                Inputs.tensor(m, Inputs.archInput(fixture, 0)),
                c.path("target").asInt(),
                params);
        SaliencyMethod impl = method.equals("score-cam") ? new ScoreCamMethod() : new BlurIntegratedGradientsMethod();
        float[] ours = impl.compute(ctx).values();
        float[] reference = NpyReader.read(
                        Path.of("src/test/resources").resolve(c.path("file").asString()))
                .toFloatArray();
        assertThat(ours).hasSameSizeAs(reference);
        double spearman = ReferenceAgreementTest.spearman(ours, reference);
        double max = 0;
        double diff = 0;
        for (int i = 0; i < ours.length; i++) {
            max = Math.max(max, Math.abs(reference[i]));
            diff = Math.max(diff, Math.abs(ours[i] - reference[i]));
        }
        System.out.printf(
                Locale.ROOT,
                "[REF2] %-14s %-10s %-14s spearman %.6f  rel max diff %.2e%n",
                fixture,
                method,
                params,
                spearman,
                diff / Math.max(max, 1e-30));
        assertThat(spearman)
                .as("%s %s %s Spearman", fixture, method, params)
                .isGreaterThanOrEqualTo(method.equals("score-cam") ? 0.99 : 0.95);
    }

    private static void assertClose(String what, float[] got, double[] expected, double rel) {
        assertThat(got).as(what).hasSize(expected.length);
        double max = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - got[i]));
        }
        System.out.printf(Locale.ROOT, "[CAM2] %-40s max=%.4g rel diff=%.2e%n", what, max, diff / Math.max(max, 1e-30));
        assertThat(max).as("%s is all zero", what).isGreaterThan(0);
        assertThat(diff / max).as("%s relative difference", what).isLessThanOrEqualTo(rel);
    }
}
