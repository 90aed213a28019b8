package io.salience.api;

import io.salience.graph.LayerInfo;
import io.salience.graph.UnsupportedModelException;
import io.salience.model.LoadedModel;
import io.salience.model.ModelNotFoundException;
import io.salience.model.ModelRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Read-only views of the configured models. */
@RestController
@RequestMapping(path = "/v1/models", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "models", description = "Configured models, their inputs, labels and layers")
public class ModelController {

    private final ModelRegistry registry;

    public ModelController(ModelRegistry registry) {
        this.registry = registry;
    }

    @GetMapping
    @Operation(
            operationId = "listModels",
            summary = "List every configured model with its status, input specification and labels")
    public List<ModelViews.ModelSummary> list() {
        return registry.entries().stream().map(ModelViews.ModelSummary::of).toList();
    }

    @GetMapping("/{model}")
    @Operation(operationId = "getModel", summary = "A model's descriptor and its signature's input and output tensors")
    public ModelViews.ModelDetail get(@PathVariable("model") String model) {
        ModelRegistry.Entry e = registry.entry(model).orElseThrow(() -> new ModelNotFoundException(model));
        if (e.model() == null) {
            return new ModelViews.ModelDetail(ModelViews.ModelSummary.of(e), null, null, null, null);
        }
        LoadedModel m = e.model();
        return new ModelViews.ModelDetail(
                ModelViews.ModelSummary.of(e),
                m.descriptor().signature(),
                m.signatureInput(),
                m.signatureOutput(),
                m.graph().logitsActivation());
    }

    @GetMapping("/{model}/layers")
    @Operation(
            operationId = "getLayers",
            summary = "Layers on the path from input to logits; spatial ones are candidates for the CAM methods")
    public ModelViews.Layers layers(@PathVariable("model") String model) {
        LoadedModel m = registry.ready(model);
        String auto;
        try {
            auto = m.graph().defaultCamLayer().name();
        } catch (UnsupportedModelException e) {
            auto = null;
        }
        List<LayerInfo> layers = m.graph().layers();
        return new ModelViews.Layers(model, auto, layers);
    }
}
