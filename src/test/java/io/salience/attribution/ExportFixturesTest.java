package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.engine.Outputs;
import io.salience.imaging.NpyReader;
import io.salience.model.LoadedModel;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every loadable export-path fixture ({@code fixtures/exports}, one tiny CNN saved the ways people save models): the
 * signature's output equals what {@code tf.saved_model.load} computed in Python to 1e-5, and every method returns a
 * finite, non-constant map. The finite-difference check of the gradient runs in {@link GradientFiniteDifferenceTest}
 * (the exports are among {@code Inputs.numericalCases()}).
 */
@ExtendWith(TestModels.class)
class ExportFixturesTest {

    static final double MAX_ABS_DIFF = 1e-5;

    static List<String> exports() {
        return TestModels.EXPORTS;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exports")
    void signatureOutputEqualsTensorFlow(String export) throws IOException {
        LoadedModel m = TestModels.export(export);
        float[] expected = NpyReader.read(TestModels.exportDir(export).resolve("expected_probabilities.npy"))
                .toFloatArray();
        float[] batch = new float[2 * m.inputLength()];
        System.arraycopy(Inputs.exportInput(export, 0), 0, batch, 0, m.inputLength());
        System.arraycopy(Inputs.exportInput(export, 1), 0, batch, m.inputLength(), m.inputLength());
        Outputs out = m.graph().predict(batch, 2);
        float[] got = out.get(1);
        assertThat(got).hasSameSizeAs(expected);
        double max = 0;
        for (int i = 0; i < got.length; i++) {
            max = Math.max(max, Math.abs(got[i] - expected[i]));
        }
        System.out.printf(Locale.ROOT, "[EXPORT] %-24s max abs diff vs TensorFlow %.3e%n", export, max);
        assertThat(max).as("%s vs tf.saved_model.load", export).isLessThanOrEqualTo(MAX_ABS_DIFF);
        // the service's probabilities are the signature output (softmax descriptors)
        assertThat(m.predictRows(List.of(Inputs.exportInput(export, 1))).get(0))
                .containsExactly(java.util.Arrays.copyOfRange(got, 3, 6));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exports")
    void everyMethodGivesAFiniteNonConstantMap(String export) {
        LoadedModel m = TestModels.export(export);
        AttributionContext ctx = Inputs.context(
                m, Inputs.tensor(m, Inputs.exportInput(export, 0)), Map.of("samples", "8", "steps", "16"));
        for (SaliencyMethod method : Keras3FixturesTest.methods()) {
            SaliencyMap map = method.compute(ctx);
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (float v : map.values()) {
                assertThat(Float.isFinite(v))
                        .as("%s %s finite", export, method.name())
                        .isTrue();
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertThat(max)
                    .as("%s %s is constant (%s)", export, method.name(), min)
                    .isGreaterThan(min);
        }
    }
}
