package io.salience.attribution;

import io.salience.imaging.ColorMap;
import io.salience.imaging.NormalizationOptions;
import io.salience.imaging.RenderMode;
import io.salience.imaging.RenderOptions;
import io.salience.imaging.RenderSize;
import io.salience.imaging.SaliencyReduction;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One saliency request's parameters: the common ones, bound and validated, and the method's own as a map that the
 * service checks against the method's {@link ParamSpec}s. Every parameter is declared once, in {@link #COMMON} or in
 * its method; the OpenAPI document and {@code GET /v1/methods} are generated from those declarations.
 *
 * @param method the method name
 * @param methods several method names ({@code methods=a,b,c}), or empty for one map of {@code method}
 * @param target the raw target ({@code predicted}, an index, a label or {@code A-vs-B}), or null
 * @param layer the raw layer ({@code auto} or a name), or null
 * @param normalization how the map is normalised for PNG and JSON
 * @param rendering how the PNG is drawn
 * @param timeout the request's deadline in the inference pool, or null for the pool's default
 * @param methodParams every other non-empty parameter, by name
 */
public record SaliencyQuery(
        String method,
        List<String> methods,
        String target,
        String layer,
        NormalizationOptions normalization,
        RenderOptions rendering,
        Duration timeout,
        Map<String, String> methodParams) {

    /** The most methods one request may name. */
    public static final int MAX_METHODS = 16;

    /** The method used when none is named. */
    public static final String DEFAULT_METHOD = "gradient";

    public static final ParamSpec METHOD = ParamSpec.text(
            "method",
            DEFAULT_METHOD,
            "a name from GET /v1/methods; in a query string write grad-cam++ as grad-cam%2B%2B or grad-cam-plus-plus",
            "Saliency method");
    public static final ParamSpec METHODS = ParamSpec.text(
            "methods",
            "none (one map, of method)",
            "1.." + MAX_METHODS + " different names from GET /v1/methods, comma-separated",
            "Several maps of the image for one target, answered as one JSON document (application/json only):"
                    + " decoded, preprocessed and predicted once; the gradient and CAM methods share one forward"
                    + " pass. Each method reads the parameters it declares. Not with method.");
    public static final ParamSpec TARGET = ParamSpec.text(
            "target",
            "predicted",
            "predicted, a class index, a label, or A-vs-B",
            "What is explained: the pre-activation logit of a class, or the difference of two (A-vs-B)");
    public static final ParamSpec LAYER = ParamSpec.text(
            "layer",
            "auto",
            "auto or a layer from GET /v1/models/{model}/layers (full path or last segment)",
            "CAM methods only: the explained layer; auto = the last spatial layer before pooling or flattening");
    public static final ParamSpec RENDER =
            ParamSpec.choice("render", RenderMode.class, RenderMode.OVERLAY, "PNG: what is drawn");
    public static final ParamSpec COLORMAP = ParamSpec.choice(
            "colormap", ColorMap.class, ColorMap.VIRIDIS, "PNG: colour map (viridis is colour-blind safe)");
    public static final ParamSpec ALPHA =
            ParamSpec.number("alpha", RenderOptions.DEFAULT_ALPHA, 0, 1, "PNG overlay: opacity of the map");
    public static final ParamSpec SIZE = ParamSpec.choice(
            "size", RenderSize.class, RenderSize.MODEL, "PNG: the model's input size, or the upload's (bilinear)");
    public static final ParamSpec REDUCE = ParamSpec.choice(
            "reduce",
            SaliencyReduction.class,
            SaliencyReduction.MAX_ABS,
            "PNG and JSON: channels reduced per pixel by the maximum absolute value, or by a signed sum (then 0.5"
                    + " means zero)");
    public static final ParamSpec CLIP = new ParamSpec(
            "clip",
            "number",
            "99.5",
            "(0, 100]",
            0,
            100,
            null,
            "PNG and JSON: the percentile of the reduced values that maps to 1 (numpy's linear interpolation);"
                    + " larger values are clipped; 100 = no clipping");
    public static final ParamSpec TIMEOUT_MS = new ParamSpec(
            "timeoutMs",
            "integer",
            "salience.pool.default-deadline (30 s)",
            "1..600000",
            1,
            600_000,
            null,
            "Deadline of the request in the inference pool, in milliseconds");

    /** The common parameters, in documentation order. */
    public static final List<ParamSpec> COMMON =
            List.of(METHOD, METHODS, TARGET, LAYER, RENDER, COLORMAP, ALPHA, SIZE, REDUCE, CLIP, TIMEOUT_MS);

    public SaliencyQuery {
        methods = List.copyOf(methods);
        methodParams = Map.copyOf(methodParams);
    }

    /**
     * Binds a request's parameters (the first value of each): the common ones are validated here, the rest are
     * passed on to the method.
     */
    public static SaliencyQuery of(Map<String, String> raw) {
        Params p = new Params(raw);
        p.validate(List.of(RENDER, COLORMAP, ALPHA, SIZE, REDUCE, CLIP, TIMEOUT_MS));
        double clip = p.number(CLIP);
        if (clip <= 0) {
            throw new InvalidParameterException("clip", "clip must be in (0, 100], got " + p.raw("clip"));
        }
        Map<String, String> rest = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (v != null
                    && !v.isBlank()
                    && COMMON.stream().noneMatch(s -> s.name().equals(k))) {
                rest.put(k, v.trim());
            }
        });
        // not trimmed: a '+' sent unencoded arrives as a space, and the service says so
        String method = raw.get("method");
        List<String> methods = methods(raw.get("methods"));
        if (!methods.isEmpty() && method != null && !method.isBlank()) {
            throw new InvalidParameterException("methods", "name the methods either in method or in methods, not both");
        }
        return new SaliencyQuery(
                method == null || method.isBlank() ? DEFAULT_METHOD : method,
                methods,
                p.raw("target"),
                p.raw("layer"),
                new NormalizationOptions(p.choice(REDUCE, SaliencyReduction.class), clip),
                new RenderOptions(
                        p.choice(RENDER, RenderMode.class),
                        p.choice(COLORMAP, ColorMap.class),
                        p.number(ALPHA),
                        p.choice(SIZE, RenderSize.class)),
                p.raw("timeoutMs") == null ? null : Duration.ofMillis(p.integer(TIMEOUT_MS)),
                rest);
    }

    /** The {@code methods} list: comma-separated, spaces around names ignored (a '+' sent unencoded is kept). */
    private static List<String> methods(String raw) {
        if (raw == null || raw.isBlank()) {
            return List.of();
        }
        List<String> names = new java.util.ArrayList<>();
        for (String part : raw.split(",", -1)) {
            String name = part.strip();
            if (name.isEmpty()) {
                throw new InvalidParameterException("methods", "methods has an empty name: '" + raw + "'");
            }
            // grad-cam++ sent unencoded arrives as "grad-cam  "; the service explains that
            names.add(part.replaceAll("^\\s+", ""));
        }
        if (names.size() > MAX_METHODS) {
            throw new InvalidParameterException(
                    "methods", "methods names " + names.size() + " methods; at most " + MAX_METHODS);
        }
        return names;
    }
}
