package io.salience.api;

import io.salience.attribution.Progress;
import io.salience.attribution.SaliencyQuery;
import io.salience.attribution.SaliencyResult;
import io.salience.attribution.SaliencyResults;
import io.salience.attribution.SaliencyService;
import io.salience.audit.Audit;
import io.salience.audit.AuditRecord;
import io.salience.imaging.ColorMap;
import io.salience.jobs.JobService;
import io.salience.jobs.JobView;
import io.salience.model.ModelDigest;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * Saliency maps as PNG, JSON or NPY, chosen by {@code Accept} (the {@link SaliencyConverter}s). The query parameters
 * are bound by {@link SaliencyQueryResolver} and documented from their declarations by {@code OpenApiConfiguration}.
 */
@RestController
@Tag(name = "saliency", description = "Saliency maps")
public class SaliencyController {

    /** NPY media type. */
    public static final String NPY = "application/x-npy";

    private final SaliencyService service;
    private final JobService jobs;

    public SaliencyController(SaliencyService service, JobService jobs) {
        this.service = service;
        this.jobs = jobs;
    }

    @GetMapping(path = "/v1/methods", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            operationId = "listMethods",
            summary = "Every saliency method with its own and the common parameters, defaults and limits")
    public List<SaliencyViews.MethodInfo> methods() {
        return service.methods().values().stream()
                .map(m -> SaliencyViews.MethodInfo.of(
                        m, m.name().equals(SaliencyQuery.DEFAULT_METHOD), SaliencyService.commonParameters(m)))
                .toList();
    }

    @GetMapping(path = "/v1/colormaps", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            operationId = "listColormaps",
            summary = "The colour maps of the PNG rendering, each as its 256 colours (value v selects entry"
                    + " min(255, floor(256 v)))")
    public List<SaliencyViews.ColorMapInfo> colormaps() {
        return Arrays.stream(ColorMap.values())
                .map(SaliencyViews.ColorMapInfo::of)
                .toList();
    }

    @PostMapping(
            path = "/v1/models/{model}/saliency",
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {MediaType.IMAGE_PNG_VALUE, MediaType.APPLICATION_JSON_VALUE, NPY})
    @Operation(
            operationId = "saliency",
            summary = "A saliency map of one image for a method and a target",
            description = "Accept: image/png (default), application/json or application/x-npy. The method defaults"
                    + " to gradient. Unknown parameters are rejected with 400; empty ones count as absent."
                    + " Normalisation (PNG and JSON): channels reduced per pixel by the maximum absolute value"
                    + " (reduce=max-abs) or by a signed sum (reduce=signed, 0.5 = zero), divided by the clip-th"
                    + " percentile of the reduced values, clipped and scaled to [0,1]. NPY is the raw float32 map,"
                    + " [H, W, C] for input-space methods and [h, w, 1] at the layer's resolution for the CAM family."
                    + " methods=a,b,c answers several maps for one target as one JSON document (application/json"
                    + " only); the gradient and CAM methods among them share one session run.",
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "The map",
                        headers = {
                            @Header(name = "X-Saliency-Target", description = "The explained target's label"),
                            @Header(name = "X-Saliency-Normalization", description = "reduce, clip, range"),
                            @Header(name = "X-Saliency-Raw-Min", description = "Smallest raw value"),
                            @Header(name = "X-Saliency-Raw-Max", description = "Largest raw value"),
                            @Header(name = "X-Explanation-Id", description = "A random UUID naming this explanation"),
                            @Header(
                                    name = "X-Model-SHA256",
                                    description = "The model's SHA-256 (README, Model integrity)"),
                            @Header(name = "X-Image-SHA256", description = "SHA-256 of the uploaded image's bytes"),
                            @Header(
                                    name = "X-Baseline-SHA256",
                                    description = "SHA-256 of the uploaded baseline image's bytes, when one was sent"),
                            @Header(name = "X-Saliency-Method", description = "The method used"),
                            @Header(
                                    name = "X-Saliency-Parameters",
                                    description = "Every parameter used, defaults and seed included, form-encoded"
                                            + " (name=value&...)")
                        },
                        content = {
                            @Content(
                                    mediaType = MediaType.IMAGE_PNG_VALUE,
                                    schema = @Schema(type = "string", format = "binary")),
                            @Content(
                                    mediaType = MediaType.APPLICATION_JSON_VALUE,
                                    schema =
                                            @Schema(
                                                    description = "One map; with methods=a,b,c, one document of"
                                                            + " several maps",
                                                    anyOf = {
                                                        SaliencyViews.SaliencyResponse.class,
                                                        SaliencyViews.SeveralResponse.class
                                                    })),
                            @Content(mediaType = NPY, schema = @Schema(type = "string", format = "binary"))
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
    public Object saliency(
            @PathVariable("model") String model,
            @RequestPart("image") MultipartFile image,
            @Parameter(description = "Baseline image for integrated-gradients (implies baseline=uploaded)")
                    @RequestPart(name = "baselineImage", required = false)
                    MultipartFile baselineImage,
            @Parameter(
                            description = "Run as a job: answer 202 with Location /v1/jobs/{id} at once; the job's"
                                    + " result is the response this request would have had (same Accept)")
                    @RequestParam(name = SaliencyQueryResolver.ASYNC, defaultValue = "false")
                    boolean async,
            @Parameter(hidden = true) SaliencyQuery query,
            HttpServletRequest request)
            throws HttpMediaTypeNotAcceptableException {
        byte[] imageBytes = Uploads.bytes(image);
        byte[] baselineBytes = Uploads.bytes(baselineImage);
        AuditRecord audit = Audit.current().model(model).operation("saliency").input(ModelDigest.sha256Hex(imageBytes));
        if (baselineBytes != null) {
            audit.input(ModelDigest.sha256Hex(baselineBytes));
        }
        if (!query.methods().isEmpty()) {
            acceptsJson(request);
            audit.operation(String.join(",", query.methods()));
            if (async) {
                audit.parameters(java.util.Map.of("async", "true"));
                return jobs.submit(
                        "saliency",
                        request,
                        progress -> SaliencyViews.SeveralResponse.of(service.explainAll(
                                model, query, query.methods(), imageBytes, baselineBytes, progress)));
            }
            SaliencyResults all =
                    service.explainAll(model, query, query.methods(), imageBytes, baselineBytes, Progress.NONE);
            SaliencyResult first = all.maps().get(0);
            java.util.Map<String, String> used = new java.util.LinkedHashMap<>();
            for (SaliencyResult r : all.maps()) {
                r.parameters().forEach((k, v) -> used.put(r.method() + "." + k, v));
                audit.explanationOf(r.provenance().explanationId());
            }
            audit.model(first.model(), first.version(), first.provenance().modelSha256())
                    .parameters(used)
                    .explanation(null, all.timings());
            return SaliencyViews.SeveralResponse.of(all);
        }
        if (async) {
            audit.parameters(java.util.Map.of("async", "true"));
            return jobs.submit(
                    "saliency",
                    request,
                    progress -> service.explain(model, query, imageBytes, baselineBytes, progress));
        }
        SaliencyResult r = service.explain(model, query, imageBytes, baselineBytes);
        audit.model(r.model(), r.version(), r.provenance().modelSha256())
                .operation(r.method())
                .parameters(r.parameters())
                .explanation(r.provenance().explanationId(), r.timings());
        return r;
    }

    /** Several maps are one JSON document: a request that does not accept JSON is answered 406. */
    private static void acceptsJson(HttpServletRequest request) throws HttpMediaTypeNotAcceptableException {
        String accept = request.getHeader("Accept");
        if (accept == null || accept.isBlank()) {
            return;
        }
        for (MediaType m : MediaType.parseMediaTypes(accept)) {
            if (m.getQualityValue() > 0 && m.isCompatibleWith(MediaType.APPLICATION_JSON)) {
                return;
            }
        }
        throw new HttpMediaTypeNotAcceptableException(List.of(MediaType.APPLICATION_JSON));
    }
}
