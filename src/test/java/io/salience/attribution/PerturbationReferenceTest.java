package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.salience.imaging.NpyArray;
import io.salience.imaging.NpyReader;
import io.salience.imaging.Segmentation;
import io.salience.model.LoadedModel;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Agreement with {@code src/test/resources/reference/perturbation} ({@code
 * tools/reference/make_perturbation_reference.py}, on planted-demo): {@code lime} against the {@code lime} package
 * given the same segments and the same 0/1 samples (Spearman of the per-segment weights at least 0.99; weights,
 * intercept and R² within float tolerance), and {@code occlusion} against a direct numpy computation (equal to 1e-4 of
 * the map's largest magnitude).
 */
@ExtendWith(TestModels.class)
class PerturbationReferenceTest {

    private static final Path DIR = Path.of("src/test/resources/reference/perturbation");

    static List<JsonNode> cases() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        new ObjectMapper().readTree(DIR.resolve("manifest.json").toFile()).forEach(out::add);
        assertThat(out).hasSizeGreaterThanOrEqualTo(4);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agreesWithReference(JsonNode c) throws IOException {
        LoadedModel model = TestModels.planted();
        float[] x = NpyReader.read(DIR.resolve(c.get("input").asText())).toFloatArray();
        Map<String, String> params = new HashMap<>();
        c.get("params")
                .properties()
                .forEach(e -> params.put(e.getKey(), e.getValue().asText()));
        AttributionContext ctx =
                Inputs.context(model, Inputs.tensor(model, x), c.get("target").asInt(), params);
        float[] expected =
                NpyReader.read(DIR.resolve(c.get("expected").asText())).toFloatArray();
        String name = c.get("name").asText();
        if (c.get("method").asText().equals("lime")) {
            NpyArray segArray = NpyReader.read(DIR.resolve(c.get("segments").asText()));
            int[] labels = segArray.toIntArray();
            int count = 0;
            for (int l : labels) {
                count = Math.max(count, l + 1);
            }
            Segmentation seg = new Segmentation(labels, segArray.shape()[1], segArray.shape()[0], count);
            int[] bits = NpyReader.read(DIR.resolve(c.get("samples").asText())).toIntArray();
            byte[] samples = new byte[bits.length];
            for (int i = 0; i < bits.length; i++) {
                samples[i] = (byte) bits[i];
            }
            SaliencyMap map = new LimeMethod().explain(ctx, seg, samples);
            float[] weights = (float[]) map.extras().get("segmentWeights");
            double rho = ReferenceAgreementTest.spearman(weights, expected);
            double maxAbs = 0;
            double scale = 0;
            for (int j = 0; j < weights.length; j++) {
                maxAbs = Math.max(maxAbs, Math.abs(weights[j] - expected[j]));
                scale = Math.max(scale, Math.abs(expected[j]));
            }
            System.out.printf(
                    Locale.ROOT,
                    "reference %-24s spearman %.6f  max |diff| / max |w| %.2e  r2 %.6f vs %.6f%n",
                    name,
                    rho,
                    maxAbs / scale,
                    (double) map.extras().get("r2"),
                    c.get("r2").asDouble());
            assertThat(weights).hasSameSizeAs(expected);
            assertThat(rho).as("%s Spearman", name).isGreaterThanOrEqualTo(0.99);
            assertThat(maxAbs / scale).as("%s weights", name).isLessThan(1e-3);
            assertThat((double) map.extras().get("r2")).isCloseTo(c.get("r2").asDouble(), within(1e-4));
            assertThat((double) map.extras().get("intercept"))
                    .isCloseTo(c.get("intercept").asDouble(), within(1e-3 * scale));
            assertThat((double) map.extras().get("localPrediction"))
                    .isCloseTo(c.get("localPrediction").asDouble(), within(1e-3 * scale));
        } else {
            SaliencyMap map = new OcclusionMethod().compute(ctx);
            float[] v = map.values();
            assertThat(v).hasSameSizeAs(expected);
            double maxAbs = 0;
            double scale = 0;
            for (int i = 0; i < v.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(v[i] - expected[i]));
                scale = Math.max(scale, Math.abs(expected[i]));
            }
            System.out.printf(
                    Locale.ROOT,
                    "reference %-24s max |diff| / max |map| %.2e  spearman %.6f%n",
                    name,
                    maxAbs / scale,
                    ReferenceAgreementTest.spearman(v, expected));
            assertThat(maxAbs / scale).as("%s occlusion vs numpy", name).isLessThan(1e-4);
        }
    }
}
