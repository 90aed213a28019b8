package io.salience.api;

import io.salience.examples.ExampleImages;
import io.salience.examples.ExampleNotFoundException;
import io.salience.model.ModelNotFoundException;
import io.salience.model.ModelRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** The example images shipped for a model ({@code salience.examples.dir}), as the viewer offers them. */
@RestController
@Tag(name = "models", description = "Configured models, their inputs, labels and layers")
public class ExampleController {

    private final ModelRegistry registry;
    private final ExampleImages examples;

    public ExampleController(ModelRegistry registry, ExampleImages examples) {
        this.registry = registry;
        this.examples = examples;
    }

    /** One listed example. */
    record ExampleView(
            String name,
            String mediaType,
            long bytes,
            @Schema(description = "Where the image is served") String url,
            @Schema(description = "Columns of the examples' CSV row for this file (e.g. label), if any")
                    Map<String, String> properties) {}

    /** {@code GET /v1/models/{model}/examples}. */
    record ExampleList(String model, List<ExampleView> examples) {}

    @GetMapping(path = "/v1/models/{model}/examples", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            operationId = "listExamples",
            summary = "The example images shipped for a model (empty when it has none)")
    public ExampleList list(@PathVariable("model") String model) {
        known(model);
        return new ExampleList(
                model,
                examples.list(model).stream()
                        .map(e -> new ExampleView(
                                e.name(),
                                e.mediaType(),
                                e.bytes(),
                                "/v1/models/" + model + "/examples/" + e.name(),
                                e.properties()))
                        .toList());
    }

    @GetMapping("/v1/models/{model}/examples/{name}")
    @Operation(
            operationId = "getExample",
            summary = "One example image, as shipped",
            responses =
                    @ApiResponse(
                            responseCode = "200",
                            description = "The image file",
                            content =
                                    @Content(
                                            mediaType = "image/*",
                                            schema = @Schema(type = "string", format = "binary"))))
    public ResponseEntity<byte[]> get(@PathVariable("model") String model, @PathVariable("name") String name) {
        known(model);
        byte[] bytes = examples.read(model, name).orElseThrow(() -> new ExampleNotFoundException(model, name));
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(ExampleImages.mediaType(name)))
                .cacheControl(CacheControl.noCache())
                .body(bytes);
    }

    private void known(String model) {
        if (registry.entry(model).isEmpty()) {
            throw new ModelNotFoundException(model);
        }
    }
}
