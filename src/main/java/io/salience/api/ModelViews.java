package io.salience.api;

import io.salience.engine.LayerInfo;
import io.salience.imaging.PreprocessSpec;
import io.salience.imaging.ValueStep;
import io.salience.model.ModelDescriptor;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.proto.TensorInfo;

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
                if (step instanceof ValueStep.Scale sc) {
                    steps.add(Map.of("scale", sc.factor()));
                } else if (step instanceof ValueStep.Offset o) {
                    steps.add(Map.of("offset", o.value()));
                } else if (step instanceof ValueStep.Mean m) {
                    steps.add(
                            Map.of("mean", Arrays.stream(m.perChannel()).boxed().toList()));
                } else if (step instanceof ValueStep.Std d) {
                    steps.add(
                            Map.of("std", Arrays.stream(d.perChannel()).boxed().toList()));
                } else if (step instanceof ValueStep.L2Normalize l) {
                    steps.add(Map.of("l2-normalize", lower(l.axis())));
                }
            }
            return new InputSpec(
                    "NHWC", s.width(), s.height(), s.channels(), lower(s.colorMode()), lower(s.resize()), steps);
        }
    }

    /** One entry of {@code GET /v1/models}. */
    record ModelSummary(
            String name,
            String version,
            String status,
            String error,
            String description,
            InputSpec input,
            String output,
            List<String> labels) {
        static ModelSummary of(ModelRegistry.Entry e) {
            ModelDescriptor d = e.descriptor();
            if (d == null) {
                return new ModelSummary(e.name(), null, lower(e.status()), e.error(), null, null, null, List.of());
            }
            return new ModelSummary(
                    d.name(),
                    d.version(),
                    lower(e.status()),
                    e.status() == ModelStatus.FAILED ? e.error() : null,
                    d.description(),
                    e.status() == ModelStatus.READY ? InputSpec.of(d.input()) : null,
                    lower(d.output()),
                    d.labels());
        }
    }

    /** A signature tensor. */
    record TensorSpec(String name, String dtype, List<Long> shape) {
        static TensorSpec of(TensorInfo t) {
            List<Long> shape = t.getTensorShape().getDimList().stream()
                    .map(d -> d.getSize())
                    .toList();
            return new TensorSpec(
                    t.getName(), t.getDtype().name().replace("DT_", "").toLowerCase(Locale.ROOT), shape);
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
