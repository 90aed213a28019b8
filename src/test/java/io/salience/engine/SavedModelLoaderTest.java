package io.salience.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.salience.imaging.NpyReader;
import io.salience.model.DescriptorParser;
import io.salience.model.ModelDescriptor;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelStatus;
import io.salience.model.ModelsHealthIndicator;
import io.salience.model.ModelsProperties;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Loading the export-path fixtures: which variables the object-graph restore had to fill, the one sentence a model
 * that cannot load gives, and a registry that keeps serving the other model.
 */
class SavedModelLoaderTest {

    static final SavedModelLoader LOADER = new SavedModelLoader(EngineProperties.defaults());

    /** The variables of the fixture CNN. */
    static final List<String> CNN_VARIABLES = List.of(
            "cnn/conv1/bias",
            "cnn/conv1/kernel",
            "cnn/last_conv/bias",
            "cnn/last_conv/kernel",
            "cnn/logits/bias",
            "cnn/logits/kernel");

    static List<String> exports() {
        return TestModels.EXPORTS;
    }

    static SavedModelLoader.LoadedGraph load(String fixture) throws IOException {
        ModelDescriptor d = DescriptorParser.parse(TestModels.exportDir(fixture).resolve("model.yaml"))
                .descriptor();
        return LOADER.load(d.name(), d.savedModel(), d.signature());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exports")
    void onlyTheKeras3SavedModelSaveExportNeedsTheObjectGraphRestore(String fixture) throws IOException {
        try (SavedModelLoader.LoadedGraph g = load(fixture)) {
            // TF's TF1 loader leaves every weight of keras3-saved-model-fit unset (make_exports.py checks it in
            // Python); the object-graph restore gives each its value
            List<String> expected = fixture.equals("keras3-saved-model-fit") ? CNN_VARIABLES : List.of();
            assertThat(g.restoredVariables()).as(fixture).containsExactlyElementsOf(expected);
            float[] x = Inputs.exportInput(fixture, 0);
            assertThat(g.graph().predict(x, 1).get(1)).hasSize(3);
        }
    }

    @Test
    void aVariableMissingFromTheCheckpointIsNamedInOneSentence() {
        // the key is gone from the checkpoint, so TensorFlow's own restore fails while DJL loads the folder
        assertThatThrownBy(() -> load("broken-missing-value"))
                .isInstanceOf(EngineException.class)
                .hasMessage("Model 'export-broken-missing-value' (SavedModel folder broken-missing-value/model) cannot"
                        + " be loaded: variable cnn/logits/bias has no value in the checkpoint.");
    }

    @Test
    void aVariableWithoutAValueInTheObjectGraphIsNamedInOneSentence() {
        // the TF1 loader fills its own handles; the object-graph restore finds no value for the signature's bias
        assertThatThrownBy(() -> load("broken-object-graph"))
                .isInstanceOf(EngineException.class)
                .hasMessage("Model 'export-broken-object-graph' (SavedModel folder broken-object-graph/model) cannot"
                        + " be loaded: variable cnn/logits/bias has no value in the checkpoint.");
    }

    @Test
    void tensorFlowTextLosesNodePathsAndCppTypeNames() {
        String raw = "Could not find variable sequential_3/dense_3/bias. This could mean that the variable has been"
                + " deleted. In TF1, it can also mean the variable is uninitialized. Debug info: container=localhost,"
                + " status error message=Resource localhost/sequential_3/dense_3/bias/N10tensorflow3VarE does not"
                + " exist.\n\t [[{{node salience/flat/StatefulPartitionedCall/sequential_3/dense_3/BiasAdd/"
                + "ReadVariableOp}}]]";
        assertThat(Tf.plain(raw)).isEqualTo("Could not find variable sequential_3/dense_3/bias");
        assertThat(Tf.plain("{{function_node __wrapped__RestoreV2}} Key a/.ATTRIBUTES/VARIABLE_VALUE not found in"
                        + " checkpoint [[{{node RestoreV2}}]]"))
                .isEqualTo("Key a/.ATTRIBUTES/VARIABLE_VALUE not found in checkpoint");
        assertThat(Tf.plain("Expects arg[0] to be uint8 but float is provided"))
                .isEqualTo("Expects arg[0] to be uint8 but float is provided");
    }

    @Test
    void theRegistryServesTheOtherModelWhenOneCannotLoad() throws IOException {
        Path dir = Files.createTempDirectory("salience-registry");
        for (String fixture : List.of("keras3-saved-model-fit", "broken-missing-value")) {
            Path source = TestModels.exportDir(fixture).resolve("model.yaml");
            String yaml = Files.readString(source)
                    .replace(
                            "savedModel: model",
                            "savedModel: \"" + source.resolveSibling("model").toAbsolutePath() + "\"");
            Files.createDirectories(dir.resolve(fixture));
            Files.writeString(dir.resolve(fixture).resolve("model.yaml"), yaml);
        }
        ModelRegistry registry = new ModelRegistry(new ModelsProperties(dir, false), LOADER);
        registry.start();
        try {
            assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();
            Map<String, ModelRegistry.Entry> entries =
                    registry.entries().stream().collect(Collectors.toMap(ModelRegistry.Entry::name, e -> e));
            ModelRegistry.Entry broken = entries.get("export-broken-missing-value");
            assertThat(broken.status()).isEqualTo(ModelStatus.FAILED);
            assertThat(broken.error())
                    .isEqualTo("Model 'export-broken-missing-value' (SavedModel folder broken-missing-value/model)"
                            + " cannot be loaded: variable cnn/logits/bias has no value in the checkpoint.");
            // readiness details carry the same sentence
            var health = new ModelsHealthIndicator(registry, new ModelsProperties(dir, false)).health();
            assertThat(health.getStatus().getCode()).isEqualTo("UP");
            assertThat(health.getDetails())
                    .containsEntry("export-broken-missing-value", "FAILED: " + broken.error())
                    .containsEntry("export-keras3-saved-model-fit", "READY");
            ModelRegistry.Entry good = entries.get("export-keras3-saved-model-fit");
            assertThat(good.status()).as(good.error()).isEqualTo(ModelStatus.READY);
            float[] expected = NpyReader.read(
                            TestModels.exportDir("keras3-saved-model-fit").resolve("expected_probabilities.npy"))
                    .toFloatArray();
            float[] p = good.model()
                    .predictRows(List.of(Inputs.exportInput("keras3-saved-model-fit", 0)))
                    .get(0);
            for (int k = 0; k < 3; k++) {
                assertThat((double) p[k]).isCloseTo(expected[k], org.assertj.core.data.Offset.offset(1e-5));
            }
        } finally {
            registry.stop();
        }
    }
}
