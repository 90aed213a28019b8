package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.salience.graph.UnsupportedModelException;
import io.salience.imaging.PreparedImage;
import io.salience.model.LoadedModel;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Plain, guided and DeconvNet input gradients on the tiny model of {@code tools/reference/make_tiny.py}, against a
 * computation by hand; guided backprop through Relu6; and the error for a model without rectifiers.
 *
 * <pre>
 * Model: x = [x1, x2] (input [1,1,2,1]) -> h = relu(K1ᵀ x) -> z = K2ᵀ h (logits) -> softmax
 *   K1 = [[1, -1, 2], [2, 1, -1]]   (row i = input xi, column j = hidden unit hj), bias 0
 *   K2 = [[1, 0], [3, 1], [-2, 1]]  (row j = hj, column = logit z0, z1), bias 0
 * At x = [2, 1]: pre-activations a = [2+2, -2+1, 4-1] = [4, -1, 3], so h = [4, 0, 3], mask (a > 0) = [1, 0, 1];
 *   z = [4 - 6, 0 + 3] = [-2, 3].
 * Target z0: dz0/dh = g = [1, 3, -2].
 *   plain:     da = g * mask             = [1, 0, -2]  -> dx = K1 da = [1 - 4, 2 + 2]     = [-3, 4]
 *   guided:    da = relu(g) * mask       = [1, 0, 0]   -> dx = [1, 2]
 *   deconvnet: da = relu(g)              = [1, 3, 0]   -> dx = [1 - 3, 2 + 3]           = [-2, 5]
 * Target z1: g = [0, 1, 1].
 *   plain:     da = [0, 0, 1]  -> dx = [2, -1]
 *   guided:    da = [0, 0, 1]  -> dx = [2, -1]
 *   deconvnet: da = [0, 1, 1]  -> dx = [-1 + 2, 1 - 1] = [1, 0]
 * </pre>
 */
@ExtendWith(TestModels.class)
class RectifierRulesTest {

    private static final float[] X = {2f, 1f};

    @Test
    void tinyModelGradientsEqualTheHandComputation() {
        LoadedModel m = TestModels.tiny("relu");
        PreparedImage img = Inputs.tensor(m, X);
        float[] logits = new io.salience.testing.DirectGraphAccess(m)
                .logits(java.util.List.of(X))
                .get(0);
        assertThat(logits[0]).isCloseTo(-2f, within(1e-6f));
        assertThat(logits[1]).isCloseTo(3f, within(1e-6f));

        AttributionContext z0 = Inputs.context(m, img, 0, Map.of());
        assertThat(new GradientMethod().compute(z0).values()).containsExactly(-3f, 4f);
        assertThat(new GuidedBackpropMethod().compute(z0).values()).containsExactly(1f, 2f);
        assertThat(new DeconvNetMethod().compute(z0).values()).containsExactly(-2f, 5f);

        AttributionContext z1 = Inputs.context(m, img, 1, Map.of());
        assertThat(new GradientMethod().compute(z1).values()).containsExactly(2f, -1f);
        assertThat(new GuidedBackpropMethod().compute(z1).values()).containsExactly(2f, -1f);
        assertThat(new DeconvNetMethod().compute(z1).values()).containsExactly(1f, 0f);
        // gradient x input: [-3 * 2, 4 * 1]
        assertThat(new GradientTimesInputMethod().compute(z0).values()).containsExactly(-6f, 4f);
    }

    @Test
    void guidedBackpropChangesTheGradientThroughRelu6() {
        LoadedModel m = TestModels.shared("mobilenet-gestures");
        assertThat(m.graph().forwardOpTypes()).contains("Relu6").doesNotContain("Relu");
        AttributionContext ctx = Inputs.context(m, Inputs.synthetic(m, 3), Map.of());
        float[] plain = new GradientMethod().compute(ctx).values();
        float[] guided = new GuidedBackpropMethod().compute(ctx).values();
        float[] deconv = new DeconvNetMethod().compute(ctx).values();
        double max = 0;
        double dGuided = 0;
        double dDeconv = 0;
        for (int i = 0; i < plain.length; i++) {
            max = Math.max(max, Math.abs(plain[i]));
            dGuided = Math.max(dGuided, Math.abs(plain[i] - guided[i]));
            dDeconv = Math.max(dDeconv, Math.abs(plain[i] - deconv[i]));
        }
        System.out.printf(
                "[RULES] mobilenet-gestures max|plain|=%.4g max|plain-guided|=%.4g max|plain-deconv|=%.4g%n",
                max, dGuided, dDeconv);
        assertThat(max).isGreaterThan(0);
        assertThat(dGuided / max).as("guided vs plain on a Relu6 model").isGreaterThan(0.05);
        assertThat(dDeconv / max).as("deconvnet vs plain on a Relu6 model").isGreaterThan(0.05);
    }

    @Test
    void modelWithoutRectifierIsRejectedForGuidedAndDeconvnet() {
        LoadedModel m = TestModels.tiny("tanh");
        AttributionContext ctx = Inputs.context(m, Inputs.tensor(m, X), 0, Map.of());
        // the plain gradient still works: dz0/dx = K1 (K2[:,0] * (1 - tanh(a)^2))
        float[] plain = new GradientMethod().compute(ctx).values();
        double[] a = {4, -1, 3};
        double[] g = {1, 3, -2};
        double[][] k1 = {{1, -1, 2}, {2, 1, -1}};
        for (int i = 0; i < 2; i++) {
            double s = 0;
            for (int j = 0; j < 3; j++) {
                double t = Math.tanh(a[j]);
                s += k1[i][j] * g[j] * (1 - t * t);
            }
            assertThat((double) plain[i]).isCloseTo(s, within(1e-5));
        }
        assertThatThrownBy(() -> new GuidedBackpropMethod().compute(ctx))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("rectifier");
        assertThatThrownBy(() -> new DeconvNetMethod().compute(ctx))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("rectifier");
    }
}
