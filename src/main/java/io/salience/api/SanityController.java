package io.salience.api;

import io.salience.attribution.Progress;
import io.salience.sanity.SanityQuery;
import io.salience.sanity.SanityReport;
import io.salience.sanity.SanityService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * The model parameter randomisation test (Adebayo et al. 2018) of one image: a JSON report or the paper's PNG panel,
 * chosen by {@code Accept}. The query parameters are declared in {@link SanityQuery} and documented from there.
 */
@RestController
@Tag(name = "sanity", description = "Sanity checks of saliency methods")
public class SanityController {

    private final SanityService service;

    public SanityController(SanityService service) {
        this.service = service;
    }

    @PostMapping(
            path = "/v1/models/{model}/sanity",
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.IMAGE_PNG_VALUE})
    @Operation(
            operationId = "sanityCheck",
            summary = "Model parameter randomisation test of saliency methods on one image",
            description = "Re-initialises the model's layers with weights (cascading from the top, or one at a"
                    + " time), recomputes each method's map and compares it with the trained model's map (Spearman"
                    + " rank correlation of the absolute and of the signed maps, SSIM, HOG similarity). The fresh"
                    + " weights are fed to a copy of the graph in the same session: the served model is never"
                    + " changed. Accept: application/json (default) or image/png (rows = steps, columns ="
                    + " methods). With async=true the check runs as a job (202, Location: /v1/jobs/{id}).",
            responses =
                    @ApiResponse(
                            responseCode = "200",
                            description = "The report",
                            content = {
                                @Content(
                                        mediaType = MediaType.APPLICATION_JSON_VALUE,
                                        schema = @Schema(implementation = SanityReport.class)),
                                @Content(
                                        mediaType = MediaType.IMAGE_PNG_VALUE,
                                        schema = @Schema(type = "string", format = "binary"))
                            }))
    public Object sanity(
            @PathVariable("model") String model,
            @RequestPart("image") MultipartFile image,
            @Parameter(hidden = true) HttpServletRequest request) {
        Map<String, String> raw = new LinkedHashMap<>();
        request.getParameterMap().forEach((name, values) -> {
            if (!name.equals("image") && values.length > 0) {
                raw.put(name, values[0]);
            }
        });
        SanityQuery query = SanityQuery.of(raw);
        byte[] bytes = Uploads.bytes(image);
        return service.check(model, query, bytes, Progress.NONE);
    }
}
