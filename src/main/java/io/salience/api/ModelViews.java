package io.salience.api;

import io.salience.graph.LayerInfo;
import io.salience.graph.TensorSpec;
import io.salience.imaging.PreprocessSpec;
import io.salience.imaging.ValueStep;
import io.salience.model.ModelDescriptor;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelStatus;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Response bodies of the model endpoints. */
final class ModelViews {

    private ModelViews() {}

    /** Input specification as the API shows it. */
    record InputSpec(
            String layout,
            int width,
            int height,
            int channels,
            String colorMode,
            String resize,
            List<Map<String, Object>> pipeline) {
        static InputSpec of(PreprocessSpec s) {
            List<Map<String, Object>> steps = new ArrayList<>();
            for (ValueStep step : s.steps()) {
                steps.add(Map.of(step.kind(), step.describe()));
            }
            return new InputSpec(
                    "NHWC", s.width(), s.height(), s.channels(), lower(s.colorMode()), lower(s.resize()), steps);
        }
    }

    /** One entry of {@code GET /v1/models}. */
    record ModelSummary(
            String name,
            String version,
            @Schema(allowableValues = {"loading", "ready", "failed"}) String status,
            @Schema(
                            description = "Why the model failed to load; null unless status is failed",
                            types = {"string", "null"})
                    String error,
            String description,
            InputSpec input,
            String output,
            List<String> labels,
            @Schema(
                            description = "The SavedModel's SHA-256 (README, Model integrity) once ready; null before",
                            types = {"string", "null"})
                    String sha256,
            @Schema(description = "Whether the descriptor pins the SHA-256 (sha256:)") boolean pinned) {
        static ModelSummary of(ModelRegistry.Entry e) {
            ModelDescriptor d = e.descriptor();
            if (d == null) {
                return new ModelSummary(
                        e.name(), null, lower(e.status()), e.error(), null, null, null, List.of(), null, false);
            }
            return new ModelSummary(
                    d.name(),
                    d.version(),
                    lower(e.status()),
                    e.status() == ModelStatus.FAILED ? e.error() : null,
                    d.description(),
                    e.status() == ModelStatus.READY ? InputSpec.of(d.input()) : null,
                    lower(d.output()),
                    d.labels(),
                    e.model() == null ? null : e.model().sha256(),
                    d.sha256() != null);
        }
    }

    /** {@code GET /v1/models/{model}}. */
    record ModelDetail(
            ModelSummary model,
            String signature,
            TensorSpec signatureInput,
            TensorSpec signatureOutput,
            String logitsActivation) {}

    /** {@code GET /v1/models/{model}/layers}. */
    record Layers(String model, String defaultCamLayer, List<LayerInfo> layers) {}

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
