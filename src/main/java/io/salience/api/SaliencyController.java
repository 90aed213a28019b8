package io.salience.api;

import io.salience.attribution.InvalidParameterException;
import io.salience.attribution.ParamSpec;
import io.salience.attribution.Params;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.SaliencyService;
import io.salience.imaging.ColorMap;
import io.salience.imaging.NormalizationOptions;
import io.salience.imaging.NormalizedSaliency;
import io.salience.imaging.NpyWriter;
import io.salience.imaging.RenderMode;
import io.salience.imaging.RenderOptions;
import io.salience.imaging.RenderSize;
import io.salience.imaging.SaliencyReduction;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** Saliency maps as PNG, JSON or NPY, chosen by {@code Accept}. */
@RestController
@Tag(name = "saliency", description = "Saliency maps")
public class SaliencyController {

    /** NPY media type. */
    public static final String NPY = "application/x-npy";

    private static final Set<String> COMMON =
            Set.of("method", "target", "layer", "render", "colormap", "alpha", "size", "reduce", "clip", "timeoutMs");
    private static final String NORMALISATION = "Normalisation (PNG and JSON): channels reduced per pixel by the"
            + " maximum absolute value (reduce=max-abs, default) or by a signed sum (reduce=signed, 0.5 = zero),"
            + " divided by the clip-th percentile of the reduced values (numpy's linear interpolation; default"
            + " 99.5, 100 = no clip), clipped and scaled to [0,1]. NPY is the raw float32 map. CAM maps have the"
            + " layer's resolution and are upsampled bilinearly for PNG.";

    private final SaliencyService service;

    public SaliencyController(SaliencyService service) {
        this.service = service;
    }

    /** One method as listed by {@code GET /v1/methods}. */
    record MethodInfo(String name, String description, boolean usesLayer, List<ParamSpec> parameters) {}

    @GetMapping(path = "/v1/methods", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Every saliency method with its parameters, defaults and limits")
    public List<MethodInfo> methods() {
        return service.methods().values().stream()
                .map(m -> new MethodInfo(m.name(), m.description(), m.usesLayer(), m.parameters()))
                .toList();
    }

    /** JSON body of a saliency response. */
    record SaliencyResponse(
            String model,
            String version,
            String method,
            Map<String, String> parameters,
            TargetView target,
            String layer,
            List<Integer> shape,
            List<Integer> rawShape,
            double min,
            double max,
            Map<String, Object> normalization,
            float[] map,
            Map<String, Object> extras,
            Map<String, Double> timings) {}

    /** The explained target. */
    record TargetView(int index, String label, Integer contrastIndex, float score, float probability) {}

    @PostMapping(
            path = "/v1/models/{model}/saliency",
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {MediaType.IMAGE_PNG_VALUE, MediaType.APPLICATION_JSON_VALUE, NPY})
    @Operation(
            summary = "A saliency map of one image for a method and a target",
            description = "Accept: image/png (default), application/json or application/x-npy. Method parameters"
                    + " (steps, baseline, riemann, samples, noise, aggregation, base, seed, layer) are listed with"
                    + " defaults and limits by GET /v1/methods. Unknown parameters are rejected. " + NORMALISATION)
    public ResponseEntity<?> saliency(
            @PathVariable("model") String model,
            @RequestPart("image") MultipartFile image,
            @RequestPart(name = "baseline", required = false) MultipartFile baseline,
            @Parameter(description = "Saliency method, see GET /v1/methods; default gradient")
                    @RequestParam(name = "method", defaultValue = "gradient")
                    String method,
            @Parameter(description = "predicted (default), a class index, a label, or A-vs-B (logit difference)")
                    @RequestParam(name = "target", required = false)
                    String target,
            @Parameter(description = "CAM methods: auto (default) or a layer from GET /v1/models/{model}/layers")
                    @RequestParam(name = "layer", required = false)
                    String layer,
            @Parameter(description = "Integrated gradients: steps, default 32, 1..1024")
                    @RequestParam(name = "steps", required = false)
                    String steps,
            @Parameter(description = "Integrated gradients: black (default), white, mean, blur, noise, uploaded")
                    @RequestParam(name = "baseline", required = false)
                    String baselineKind,
            @Parameter(description = "Integrated gradients: trapezoid (default), left, right, middle")
                    @RequestParam(name = "riemann", required = false)
                    String riemann,
            @Parameter(description = "SmoothGrad/VarGrad: noisy samples, default 25, 1..512")
                    @RequestParam(name = "samples", required = false)
                    String samples,
            @Parameter(
                            description =
                                    "SmoothGrad/VarGrad: noise std as a fraction of the input range, default 0.15,"
                                            + " 0..1")
                    @RequestParam(name = "noise", required = false)
                    String noise,
            @Parameter(description = "SmoothGrad: mean (default), square, variance; VarGrad: variance")
                    @RequestParam(name = "aggregation", required = false)
                    String aggregation,
            @Parameter(description = "SmoothGrad/VarGrad: the smoothed method, default gradient")
                    @RequestParam(name = "base", required = false)
                    String base,
            @Parameter(description = "Random seed of noise (SmoothGrad, VarGrad, IG noise baseline), default 0")
                    @RequestParam(name = "seed", required = false)
                    String seed,
            @Parameter(description = "PNG: overlay (default), heatmap or gray")
                    @RequestParam(name = "render", defaultValue = "overlay")
                    String render,
            @Parameter(description = "PNG: viridis (default), inferno, jet, gray")
                    @RequestParam(name = "colormap", defaultValue = "viridis")
                    String colormap,
            @Parameter(description = "PNG overlay opacity of the map, default 0.5, 0..1")
                    @RequestParam(name = "alpha", defaultValue = "0.5")
                    String alpha,
            @Parameter(description = "PNG: model (default, the model's input size) or original (the upload's size)")
                    @RequestParam(name = "size", defaultValue = "model")
                    String size,
            @Parameter(description = "Channel reduction: max-abs (default) or signed")
                    @RequestParam(name = "reduce", defaultValue = "max-abs")
                    String reduce,
            @Parameter(description = "Clip percentile, default 99.5, (0, 100]; 100 = no clip")
                    @RequestParam(name = "clip", defaultValue = "99.5")
                    String clip,
            @Parameter(
                            description =
                                    "Deadline of the request in the inference pool, ms; default salience.pool.default-deadline"
                                            + " (30 s), 1..600000")
                    @RequestParam(name = "timeoutMs", required = false)
                    Integer timeoutMs,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
            HttpServletRequest request) {
        SaliencyMethod m = service.method(method);
        Map<String, String> params = params(request, m);
        Params p = new Params(params);
        NormalizationOptions norm = new NormalizationOptions(
                p.choice("reduce", SaliencyReduction.class, SaliencyReduction.MAX_ABS), clip(p));
        RenderOptions renderOptions = new RenderOptions(
                p.choice("render", RenderMode.class, RenderMode.OVERLAY),
                p.choice("colormap", ColorMap.class, ColorMap.VIRIDIS),
                p.number("alpha", RenderOptions.DEFAULT_ALPHA, 0, 1),
                p.choice("size", RenderSize.class, RenderSize.MODEL));
        String format = negotiate(accept);
        var e = service.explain(
                model,
                method,
                PredictController.read(image),
                baseline == null ? null : PredictController.read(baseline),
                params,
                PredictController.deadline(timeoutMs));
        var map = e.map();
        if (format.equals(NPY)) {
            return ResponseEntity.ok()
                    .contentType(MediaType.parseMediaType(NPY))
                    .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"saliency.npy\"")
                    .body(NpyWriter.write(map.values(), map.shape()));
        }
        NormalizedSaliency n = service.normalize(e, norm);
        HttpHeaders headers = new HttpHeaders();
        headers.add(
                "X-Saliency-Normalization",
                String.format(
                        Locale.ROOT,
                        "reduce=%s; clip-percentile=%s; clip-value=%.6g; range=[0,1]",
                        Params.spell(norm.reduce()),
                        norm.clipPercentile(),
                        n.clipValue()));
        headers.add("X-Saliency-Raw-Min", Double.toString(n.rawMin()));
        headers.add("X-Saliency-Raw-Max", Double.toString(n.rawMax()));
        headers.add("X-Saliency-Target", e.targetLabel());
        if (format.equals(MediaType.IMAGE_PNG_VALUE)) {
            byte[] png = service.render(e, norm, renderOptions);
            return ResponseEntity.ok()
                    .headers(headers)
                    .contentType(MediaType.IMAGE_PNG)
                    .body(png);
        }
        Map<String, Object> extras = new HashMap<>(map.extras());
        extras.remove("layer");
        Map<String, Object> normView = Map.of(
                "reduce", Params.spell(norm.reduce()),
                "clipPercentile", norm.clipPercentile(),
                "clipValue", n.clipValue(),
                "range", List.of(0, 1));
        var t = e.target();
        SaliencyResponse body = new SaliencyResponse(
                e.model().descriptor().name(),
                e.model().descriptor().version(),
                m.name(),
                e.parameters(),
                new TargetView(
                        t.index(),
                        e.targetLabel(),
                        t.contrast() >= 0 ? t.contrast() : null,
                        e.targetScore(),
                        e.probability()),
                (String) map.extras().get("layer"),
                List.of(n.height(), n.width()),
                List.of(map.height(), map.width(), map.channels()),
                n.rawMin(),
                n.rawMax(),
                normView,
                n.values(),
                extras,
                e.timings());
        return ResponseEntity.ok()
                .headers(headers)
                .contentType(MediaType.APPLICATION_JSON)
                .body(body);
    }

    private static double clip(Params p) {
        double c = p.number("clip", NormalizationOptions.DEFAULT_CLIP_PERCENTILE, 0, 100);
        if (c <= 0) {
            throw new InvalidParameterException("clip", "clip must be in (0, 100], got " + c);
        }
        return c;
    }

    /** Request parameters (query and form fields), rejecting names no method or renderer knows. */
    private static Map<String, String> params(HttpServletRequest request, SaliencyMethod m) {
        Set<String> allowed = new LinkedHashSet<>(COMMON);
        for (ParamSpec s : m.parameters()) {
            allowed.add(s.name());
        }
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, String[]> e : request.getParameterMap().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw new InvalidParameterException(
                        e.getKey(),
                        "unknown parameter '" + e.getKey() + "' for method " + m.name() + "; valid: " + allowed);
            }
            if (e.getValue().length > 0) {
                out.put(e.getKey(), e.getValue()[0]);
            }
        }
        if (!m.usesLayer() && out.containsKey("layer")) {
            throw new InvalidParameterException("layer", "method " + m.name() + " takes no layer");
        }
        return out;
    }

    /** PNG unless the Accept header prefers JSON or NPY. */
    static String negotiate(String accept) {
        if (accept == null || accept.isBlank()) {
            return MediaType.IMAGE_PNG_VALUE;
        }
        List<MediaType> types = new java.util.ArrayList<>(MediaType.parseMediaTypes(accept));
        types.sort(
                java.util.Comparator.comparingDouble(MediaType::getQualityValue).reversed());
        for (MediaType t : types) {
            if (t.getQualityValue() == 0) {
                continue;
            }
            for (String candidate : List.of(MediaType.IMAGE_PNG_VALUE, MediaType.APPLICATION_JSON_VALUE, NPY)) {
                if (t.includes(MediaType.parseMediaType(candidate))) {
                    return candidate;
                }
            }
        }
        return MediaType.IMAGE_PNG_VALUE;
    }
}
