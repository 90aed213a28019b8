package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.imaging.NpyReader;
import io.salience.model.LoadedModel;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every architecture fixture, Keras 2 and Keras 3 export: predictions equal {@code expected_probabilities.npy}, and
 * every method of the attribution package returns a finite, non-constant map.
 */
@ExtendWith(TestModels.class)
class Keras3FixturesTest {

    static List<String> exports() {
        return TestModels.archExports();
    }

    /** Every method, wired as Spring wires them. */
    static List<SaliencyMethod> methods() {
        GradientMethod gradient = new GradientMethod();
        GuidedBackpropMethod guided = new GuidedBackpropMethod();
        GradCamMethod gradCam = new GradCamMethod();
        List<InputAttribution> bases = List.of(
                gradient,
                new GradientTimesInputMethod(),
                guided,
                new DeconvNetMethod(),
                new IntegratedGradientsMethod());
        List<SaliencyMethod> all = new ArrayList<>(bases);
        all.add(new SmoothGradMethod(bases));
        all.add(new VarGradMethod(bases));
        all.add(gradCam);
        all.add(new GradCamPlusPlusMethod());
        all.add(new LayerCamMethod());
        all.add(new GuidedGradCamMethod(gradCam, guided));
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exports")
    void predictionsEqualExpectedProbabilities(String export) throws IOException {
        String fixture = export.split("/")[0];
        LoadedModel m = TestModels.arch(export);
        float[] expected = NpyReader.read(TestModels.archDir(fixture).resolve("expected_probabilities.npy"))
                .toFloatArray();
        List<float[]> p = m.predictRows(List.of(Inputs.archInput(fixture, 0), Inputs.archInput(fixture, 1)));
        double max = 0;
        for (int r = 0; r < 2; r++) {
            for (int k = 0; k < 3; k++) {
                max = Math.max(max, Math.abs(p.get(r)[k] - expected[r * 3 + k]));
            }
        }
        System.out.printf(Locale.ROOT, "[PRED] %-20s max abs diff vs expected_probabilities %.3e%n", export, max);
        assertThat(max).isLessThanOrEqualTo(1e-4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exports")
    void everyMethodGivesAFiniteNonConstantMap(String export) {
        String fixture = export.split("/")[0];
        LoadedModel m = TestModels.arch(export);
        AttributionContext ctx = Inputs.context(
                m, Inputs.tensor(m, Inputs.archInput(fixture, 0)), Map.of("samples", "8", "steps", "16"));
        for (SaliencyMethod method : methods()) {
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
            assertThat(map.values().length).isPositive();
        }
    }
}
