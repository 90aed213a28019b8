package io.salience.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.salience.graph.LayerInfo;
import io.salience.model.LoadedModel;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Dense layer applied to a 4-D tensor (a per-pixel projection; tf_keras builds it with tensordot, whose reshape
 * hides the static height and width) is listed with its [h, w, c] shape and is the automatic CAM layer. Fixture:
 * {@code tools/reference/make_dense4d.py}.
 */
class DenseOn4dLayerTest {

    private static final Path DIR = Path.of("src/test/resources/fixtures/dense4d");

    @ParameterizedTest
    @ValueSource(strings = {"keras2", "keras3"})
    void thePerPixelDenseLayerIsSpatialAndTheAutomaticCamLayer(String export) throws IOException {
        JsonNode expected = JsonMapper.builder().build().readTree(Files.readString(DIR.resolve("expected.json")));
        LoadedModel m = TestModels.load(DIR.resolve(export + ".yaml"));
        // Keras 3 names the layer pixel_proj_1 in its export
        LayerInfo proj = m.graph().layers().stream()
                .filter(l -> l.name().substring(l.name().lastIndexOf('/') + 1).startsWith("pixel_proj"))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no pixel_proj in " + m.graph().layers()));
        List<Long> shape = expected.path("pixelProjShape")
                .valueStream()
                .map(JsonNode::asLong)
                .toList();
        assertThat(proj.shape()).isEqualTo(shape);
        assertThat(proj.spatial()).isTrue();
        assertThat(m.graph().defaultCamLayer().name()).isEqualTo(proj.name());

        float[] x = Inputs.file(m, DIR.resolve("input-0.png")).tensor();
        float[] logits = m.graph().predict(x, 1).get(0);
        assertThat(logits[0]).isCloseTo((float) expected.path("logits").get(0).asDouble(), within(1e-5f));
        assertThat(logits[1]).isCloseTo((float) expected.path("logits").get(1).asDouble(), within(1e-5f));
        Outputs lg = m.graph().layerGradients(proj, io.salience.graph.Rule.PLAIN, x, 1, m.seed(0));
        assertThat(lg.shape(1)).containsExactly(1, 16, 16, 4);
    }
}
