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

    static Stream<String> models() {
        List<String> all = new ArrayList<>(List.of("demo", "brain-mri", "braintumornet", "mobilenet-gestures"));
        all.addAll(TestModels.archExports());
        return all.stream();
    }

    static LoadedModel model(String name) {
        if (name.equals("demo")) {
            return TestModels.demo();
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
            assertClose(name + " " + rule + " logits", actual.get(0), expected.get(0));
            assertClose(name + " " + rule + " input gradient", actual.get(1), expected.get(1));
        }
        LayerInfo layer = fast.graph().defaultCamLayer();
        float[] one = java.util.Arrays.copyOf(batch, per);
        float[] seed = java.util.Arrays.copyOf(seeds, classes);
        Outputs expected = plain.graph().layerGradients(layer, Rule.PLAIN, one, 1, seed);
        Outputs actual = fast.graph().layerGradients(layer, Rule.PLAIN, one, 1, seed);
        assertClose(name + " layer activations", actual.get(1), expected.get(1));
        assertClose(name + " layer gradient", actual.get(2), expected.get(2));
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

    private static void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(scale).as(what + " is not all zero").isPositive();
        assertThat(worst / scale).as(what + ": max |Δ| / max |expected|").isLessThanOrEqualTo(TOLERANCE);
    }
}
