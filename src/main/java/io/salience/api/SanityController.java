package io.salience.api;

import io.salience.jobs.JobService;
import io.salience.jobs.JobView;
import io.salience.sanity.SanityQuery;
import io.salience.sanity.SanityReport;
import io.salience.sanity.SanityService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
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
import org.springframework.web.bind.annotation.RequestParam;
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
    private final JobService jobs;

    public SanityController(SanityService service, JobService jobs) {
        this.service = service;
        this.jobs = jobs;
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
            responses = {
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
                        }),
                @ApiResponse(
                        responseCode = "202",
                        description = "async=true: the job was started; poll Location (/v1/jobs/{id})",
                        headers = @Header(name = "Location", description = "/v1/jobs/{id}"),
                        content =
                                @Content(
                                        mediaType = MediaType.APPLICATION_JSON_VALUE,
                                        schema = @Schema(implementation = JobView.class)))
            })
    public Object sanity(
            @PathVariable("model") String model,
            @RequestPart("image") MultipartFile image,
            @Parameter(
                            description = "Run as a job: answer 202 with Location /v1/jobs/{id} at once; the job"
                                    + " reports its progress (one unit per map) and its result is the report this"
                                    + " request would have had (same Accept)")
                    @RequestParam(name = SaliencyQueryResolver.ASYNC, defaultValue = "false")
                    boolean async,
            @Parameter(hidden = true) HttpServletRequest request) {
        Map<String, String> raw = new LinkedHashMap<>();
        request.getParameterMap().forEach((name, values) -> {
            if (!name.equals("image") && !name.equals(SaliencyQueryResolver.ASYNC) && values.length > 0) {
                raw.put(name, values[0]);
            }
        });
        SanityQuery query = SanityQuery.of(raw);
        byte[] bytes = Uploads.bytes(image);
        if (async) {
            return jobs.submit("sanity", request, progress -> service.check(model, query, bytes, progress));
        }
        return service.check(model, query, bytes, io.salience.attribution.Progress.NONE);
    }
}
