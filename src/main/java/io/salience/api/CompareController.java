package io.salience.api;

import io.salience.attribution.Progress;
import io.salience.evaluation.ComparisonQuery;
import io.salience.evaluation.ComparisonService;
import io.salience.jobs.JobService;
import io.salience.jobs.JobView;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** Method comparison with faithfulness and localisation metrics; the parameters are {@link ComparisonQuery}'s. */
@RestController
@Tag(name = "evaluation", description = "Method comparison and trust metrics")
public class CompareController {

    /** The parts and the parameters that are not the comparison's. */
    private static final Set<String> PARTS = Set.of("image", "region", SaliencyQueryResolver.ASYNC);

    private final ComparisonService service;
    private final JobService jobs;

    public CompareController(ComparisonService service, JobService jobs) {
        this.service = service;
        this.jobs = jobs;
    }

    @PostMapping(
            path = "/v1/models/{model}/compare",
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {MediaType.IMAGE_PNG_VALUE, MediaType.APPLICATION_JSON_VALUE})
    @Operation(
            operationId = "compare",
            summary = "Several saliency methods on one image, with faithfulness and localisation metrics",
            description = "Accept: image/png (default: a panel of the input and one labelled overlay per method"
                    + " with a shared colour bar) or application/json (the maps, each method's metrics beside a"
                    + " random and a centre-Gaussian map, the timings). The optional region part is a mask image"
                    + " (brightest channel above 127 = inside) or VGG Image Annotator JSON in the image's pixel"
                    + " coordinates; it is mapped to the model input as the image is.",
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "The comparison",
                        headers = @Header(name = "X-Saliency-Target", description = "The explained target's label"),
                        content = {
                            @Content(
                                    mediaType = MediaType.IMAGE_PNG_VALUE,
                                    schema = @Schema(type = "string", format = "binary")),
                            @Content(
                                    mediaType = MediaType.APPLICATION_JSON_VALUE,
                                    schema = @Schema(implementation = ComparisonViews.ComparisonResponse.class))
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
    public Object compare(
            @PathVariable("model") String model,
            @RequestPart("image") MultipartFile image,
            @Parameter(
                            description = "The region: a mask image, or VIA JSON (a project file, one entry or a region"
                                    + " list)")
                    @RequestPart(name = "region", required = false)
                    MultipartFile region,
            @Parameter(
                            description = "Run as a job: answer 202 with Location /v1/jobs/{id} at once; the job's"
                                    + " result is the response this request would have had (same Accept); progress"
                                    + " counts maps")
                    @RequestParam(name = SaliencyQueryResolver.ASYNC, defaultValue = "false")
                    boolean async,
            HttpServletRequest request) {
        Map<String, String> raw = new LinkedHashMap<>();
        request.getParameterMap().forEach((name, values) -> {
            if (!PARTS.contains(name) && values.length > 0) {
                raw.put(name, values[0]);
            }
        });
        byte[] regionBytes = Uploads.bytes(region);
        if (regionBytes == null && request.getParameter("region") != null) {
            // a JSON region sent as a plain form field
            regionBytes = request.getParameter("region").getBytes(StandardCharsets.UTF_8);
        }
        ComparisonQuery query = ComparisonQuery.of(raw);
        byte[] imageBytes = Uploads.bytes(image);
        String imageName = image.getOriginalFilename();
        byte[] regionPart = regionBytes;
        if (async) {
            return jobs.submit(
                    "compare",
                    request,
                    progress -> service.compare(model, query, imageBytes, imageName, regionPart, progress));
        }
        return service.compare(model, query, imageBytes, imageName, regionPart, Progress.NONE);
    }
}
