package io.salience.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.graph.UnsupportedModelException;
import io.salience.model.LoadedModel;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link GradientSimplifier}'s rewrites change the cost, never the answer: every gradient program of every model is
 * compared with TensorFlow's own gradient graph of the same SavedModel, loaded with the rewrites off.
 */
@ExtendWith(TestModels.class)
class GradientSimplifierTest {

    /** Float32 rounding differs between the fused and the unfused graphs; the maps themselves must not. */
    private static final double TOLERANCE = 1e-4;

    /**
     * bench224 (MobileNetV2, random weights, ReLU6): the plain gradient differs from TensorFlow's own graph by up to
     * 5.0e-3 of its largest value (on 1,288 and 226 of 150,528 values of two of the three images; 1.4e-6 on the
     * third), guided backprop and DeconvNet by at most 5.4e-7 and 5.0e-6. The cause is the forward pass, not the
     * rewritten gradients: once batch-norm gradients no longer read the convolution outputs, Grappler fuses
     * convolution, batch norm and ReLU6 in the gradient program as it does for a prediction, so its logits equal the
     * prediction's bit for bit, while TensorFlow's own gradient graph computes an unfused forward pass whose logits
     * differ from the prediction's by up to 1.4e-4. Units within that rounding of a ReLU6 kink (0 or 6) then pass or
     * block the gradient in one graph and not in the other (the likely mechanism; the flipped units were not traced one
     * by one). DeconvNet ignores the forward masks, which fits its agreement; guided backprop passes only positive
     * gradients, so a flipped unit with a negative gradient does not reach it. Salience's gradient is the gradient at
     * the forward pass of the prediction it reports.
     */
    private static final double KINK_TOLERANCE = 1e-2;

    static Stream<String> models() {
        List<String> all =
                new ArrayList<>(List.of("demo", "bench224", "brain-mri", "braintumornet", "mobilenet-gestures"));
        all.addAll(TestModels.archExports());
        return all.stream();
    }

    static LoadedModel model(String name) {
        if (name.equals("demo")) {
            return TestModels.demo();
        }
        if (name.equals("bench224")) {
            return TestModels.load(java.nio.file.Path.of("src/test/resources/fixtures/bench224/model.yaml"));
        }
        return name.contains("/") ? TestModels.arch(name) : TestModels.shared(name);
    }

    @ParameterizedTest
    @MethodSource("models")
    void rewrittenGradientsEqualTensorFlowsOwn(String name) {
        LoadedModel fast = model(name);
        LoadedModel plain = TestModels.unsimplified(fast);
        int n = 3;
        int per = fast.inputLength();
        float[] batch = new float[n * per];
        for (int i = 0; i < n; i++) {
            System.arraycopy(Inputs.synthetic(fast, 77L + i).tensor(), 0, batch, i * per, per);
        }
        int classes = fast.graph().classes();
        float[] seeds = new float[n * classes];
        for (int i = 0; i < n; i++) {
            seeds[i * classes + i % classes] = 1;
        }
        for (Rule rule : Rule.values()) {
            Outputs expected;
            try {
                expected = plain.graph().inputGradients(rule, batch, n, seeds);
            } catch (UnsupportedModelException e) {
                assertThatThrownBy(() -> fast.graph().inputGradients(rule, batch, n, seeds))
                        .isInstanceOf(UnsupportedModelException.class);
                continue;
            }
            Outputs actual = fast.graph().inputGradients(rule, batch, n, seeds);
            assertClose(name + " " + rule + " logits", actual.get(0), expected.get(0), TOLERANCE);
            assertClose(
                    name + " " + rule + " input gradient",
                    actual.get(1),
                    expected.get(1),
                    name.equals("bench224") && rule == Rule.PLAIN ? KINK_TOLERANCE : TOLERANCE);
        }
        LayerInfo layer = fast.graph().defaultCamLayer();
        float[] one = java.util.Arrays.copyOf(batch, per);
        float[] seed = java.util.Arrays.copyOf(seeds, classes);
        Outputs expected = plain.graph().layerGradients(layer, Rule.PLAIN, one, 1, seed);
        Outputs actual = fast.graph().layerGradients(layer, Rule.PLAIN, one, 1, seed);
        assertClose(name + " layer activations", actual.get(1), expected.get(1), TOLERANCE);
        assertClose(name + " layer gradient", actual.get(2), expected.get(2), TOLERANCE);
        assertThat(plain.graph().simplified()).isEmpty();
    }

    @Test
    void theRewritesApplyWhereTheyShould() {
        // demo: five Conv + ReLU, four of them with BatchNorm; a stride-1 first layer
        assertThat(inputGradientRewrites(TestModels.demo()))
                .extracting(
                        GradientSimplifier.Simplified::batchNorms,
                        GradientSimplifier.Simplified::rectifiers,
                        GradientSimplifier.Simplified::convolutions)
                .contains(org.assertj.core.groups.Tuple.tuple(4, 5, 0));
        // MobileNetV2 style: a stride-2 RGB stem, Relu6
        assertThat(inputGradientRewrites(TestModels.arch("mobilenetv2/keras2"))).anySatisfy(s -> {
            assertThat(s.convolutions()).isEqualTo(1);
            assertThat(s.rectifiers()).isPositive();
            assertThat(s.batchNorms()).isPositive();
        });
    }

    private static List<GradientSimplifier.Simplified> inputGradientRewrites(LoadedModel m) {
        int classes = m.graph().classes();
        m.graph().inputGradients(Rule.PLAIN, new float[m.inputLength()], 1, new float[classes]);
        return m.graph().simplified();
    }

    @Test
    void bench224sGradientProgramPredictsExactlyAsThePredictionDoes() {
        LoadedModel fast = model("bench224");
        LoadedModel plain = TestModels.unsimplified(fast);
        int classes = fast.graph().classes();
        for (long i = 0; i < 3; i++) {
            float[] x = Inputs.synthetic(fast, 77L + i).tensor();
            float[] seed = new float[classes];
            seed[(int) (i % classes)] = 1;
            float[] predicted = fast.graph().predict(x, 1).get(0);
            assertThat(fast.graph().inputGradients(Rule.PLAIN, x, 1, seed).get(0))
                    .as("rewritten gradient program's logits")
                    .isEqualTo(predicted);
            float[] own = plain.graph().inputGradients(Rule.PLAIN, x, 1, seed).get(0);
            assertThat(own)
                    .as("TensorFlow's own gradient graph computes another forward pass")
                    .isNotEqualTo(predicted);
        }
    }

    private static void assertClose(String what, float[] actual, float[] expected, double tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(scale).as(what + " is not all zero").isPositive();
        assertThat(worst / scale).as(what + ": max |Δ| / max |expected|").isLessThanOrEqualTo(tolerance);
    }
}
