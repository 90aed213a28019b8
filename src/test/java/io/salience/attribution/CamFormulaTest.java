package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.testing.DirectGraphAccess;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Grad-CAM, Grad-CAM++ and LayerCAM equal the maps computed here from the activations and gradients fetched with
 * {@code ModelGraph.layerGradients}, following the papers (Grad-CAM++ in tf-keras-vis' closed form with
 * {@code exp(score)}), to 1e-5 relative to the map's maximum.
 */
@ExtendWith(TestModels.class)
class CamFormulaTest {

    static List<Inputs.Case> cases() {
        return Inputs.numericalCases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void camMethodsMatchHandComputation(Inputs.Case c) {
        AttributionContext ctx = Inputs.context(c.model(), c.image(), Map.of());
        LayerInfo layer = c.model().graph().defaultCamLayer();
        var lg = new DirectGraphAccess(c.model()).layerGradients(layer, Rule.PLAIN, ctx.input(), ctx.seed());
        int hw = lg.height() * lg.width();
        int k = lg.channels();
        float[] a = lg.activations();
        float[] g = lg.gradients();
        assertThat(a).hasSize(hw * k);
        assertThat(g).hasSize(hw * k);

        // Grad-CAM: w_k = (1/Z) Σ_ij dy/dA_ij^k ; cam_ij = relu(Σ_k w_k A_ij^k)
        double[] w = new double[k];
        for (int p = 0; p < hw; p++) {
            for (int ch = 0; ch < k; ch++) {
                w[ch] += g[p * k + ch] / (double) hw;
            }
        }
        double[] gradCam = weighted(a, w, hw, k);

        // Grad-CAM++ (tf-keras-vis): S = exp(y); d1 = S g, d2 = S g^2, d3 = S g^3;
        // α = d2 / (2 d2 + d3 Σ_ij A) (denominator +1 where d2 == 0), α /= Σ_ij α (+1 where that sum is 0);
        // w_k = Σ_ij relu(d1) α ; cam = relu(Σ_k w_k A)
        double sExp = Math.exp(lg.score());
        double[] aSum = new double[k];
        for (int i = 0; i < a.length; i++) {
            aSum[i % k] += a[i];
        }
        double[] alpha = new double[a.length];
        double[] alphaNorm = new double[k];
        for (int i = 0; i < a.length; i++) {
            double d2 = sExp * g[i] * g[i];
            double d3 = d2 * g[i];
            double denom = 2 * d2 + d3 * aSum[i % k] + (d2 == 0 ? 1 : 0);
            alpha[i] = d2 / denom;
            alphaNorm[i % k] += alpha[i];
        }
        double[] wpp = new double[k];
        for (int i = 0; i < a.length; i++) {
            double norm = alphaNorm[i % k] + (alphaNorm[i % k] == 0 ? 1 : 0);
            wpp[i % k] += Math.max(0, sExp * g[i]) * alpha[i] / norm;
        }
        double[] gradCamPp = weighted(a, wpp, hw, k);

        // LayerCAM: cam_ij = relu(Σ_k relu(dy/dA_ij^k) A_ij^k)
        double[] layerCam = new double[hw];
        for (int p = 0; p < hw; p++) {
            double s = 0;
            for (int ch = 0; ch < k; ch++) {
                s += Math.max(0, g[p * k + ch]) * a[p * k + ch];
            }
            layerCam[p] = Math.max(0, s);
        }

        check(c, "grad-cam", new GradCamMethod().compute(ctx), gradCam, lg);
        check(c, "grad-cam++", new GradCamPlusPlusMethod().compute(ctx), gradCamPp, lg);
        check(c, "layer-cam", new LayerCamMethod().compute(ctx), layerCam, lg);
    }

    private static double[] weighted(float[] a, double[] w, int hw, int k) {
        double[] cam = new double[hw];
        for (int p = 0; p < hw; p++) {
            double s = 0;
            for (int ch = 0; ch < k; ch++) {
                s += w[ch] * a[p * k + ch];
            }
            cam[p] = Math.max(0, s);
        }
        return cam;
    }

    private static void check(
            Inputs.Case c, String method, SaliencyMap map, double[] expected, GraphAccess.LayerGradient lg) {
        assertThat(map.shape()).as("%s %s shape", c, method).containsExactly(lg.height(), lg.width(), 1);
        double max = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - map.values()[i]));
        }
        double rel = diff / Math.max(max, 1e-30);
        System.out.printf(Locale.ROOT, "[CAM] %-26s %-10s max=%.4g rel diff=%.2e%n", c, method, max, rel);
        assertThat(max).as("%s %s is all zero", c, method).isGreaterThan(0);
        assertThat(rel).as("%s %s relative difference", c, method).isLessThanOrEqualTo(1e-5);
    }
}
