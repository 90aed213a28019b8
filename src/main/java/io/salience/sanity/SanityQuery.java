package io.salience.sanity;

import io.salience.attribution.InvalidParameterException;
import io.salience.attribution.ParamSpec;
import io.salience.attribution.Params;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of a model parameter randomisation test, each declared once (the OpenAPI document is generated
 * from {@link #PARAMETERS}).
 *
 * @param methods the methods compared, in request order
 * @param mode cascading or independent
 * @param layers the layers to randomise by name, or empty for every layer with weights
 * @param seed the seed of the fresh weights
 * @param target the raw target, or null for the predicted class
 * @param timeout the deadline of each pool call, or null for the pool's default
 */
public record SanityQuery(
        List<String> methods, Mode mode, List<String> layers, long seed, String target, Duration timeout) {

    /** The most methods one check compares. */
    public static final int MAX_METHODS = 8;
    /** The most maps one check computes: methods x (steps + 1). */
    public static final int MAX_MAPS = 400;

    /** How layers are randomised. */
    public enum Mode {
        /** From the top layer down, one more layer at each step (the paper's cascading randomisation). */
        CASCADING,
        /** One layer at a time, the others trained. */
        INDEPENDENT
    }

    public static final ParamSpec METHODS = ParamSpec.text(
            "methods",
            "gradient,grad-cam,guided-backprop",
            "1.." + MAX_METHODS + " comma-separated names from GET /v1/methods, each with its default parameters",
            "The saliency methods compared");
    public static final ParamSpec MODE = ParamSpec.choice(
            "mode",
            Mode.class,
            Mode.CASCADING,
            "cascading: from the top layer down, one more layer per step; independent: one layer at a time");
    public static final ParamSpec LAYERS = ParamSpec.text(
            "layers",
            "all",
            "all, or comma-separated names of layers with weights (Keras layer names, as the report lists them);"
                    + " methods x (layers + 1) <= " + MAX_MAPS,
            "The layers randomised, in the model's order (top down for cascading)");
    public static final ParamSpec SEED =
            ParamSpec.integer("seed", 42, 0, Integer.MAX_VALUE, "Seed of the fresh weights (same seed, same weights)");
    public static final ParamSpec TARGET = ParamSpec.text(
            "target",
            "predicted",
            "predicted, a class index, a label, or A-vs-B",
            "The explained target, the same at every step (the trained model's prediction by default)");
    public static final ParamSpec TIMEOUT_MS = new ParamSpec(
            "timeoutMs",
            "integer",
            "salience.pool.default-deadline (30 s)",
            "1..600000",
            1,
            600_000,
            null,
            "Deadline of each pool call of the check, in milliseconds");
    /** Every parameter, in documentation order. */
    public static final List<ParamSpec> PARAMETERS = List.of(METHODS, MODE, LAYERS, SEED, TARGET, TIMEOUT_MS);

    public SanityQuery {
        methods = List.copyOf(methods);
        layers = List.copyOf(layers);
    }

    /** Binds and checks a request's parameters (unknown names are rejected). */
    public static SanityQuery of(Map<String, String> raw) {
        Set<String> known = new LinkedHashSet<>();
        PARAMETERS.forEach(s -> known.add(s.name()));
        for (String name : raw.keySet()) {
            if (!known.contains(name)) {
                throw new InvalidParameterException(
                        name, "unknown parameter '" + name + "' for the sanity check; valid: " + known);
            }
        }
        Params p = new Params(raw);
        p.validate(List.of(MODE, SEED, TIMEOUT_MS));
        List<String> methods = list(p.raw("methods"), METHODS.defaultValue());
        if (methods.size() > MAX_METHODS) {
            throw new InvalidParameterException(
                    "methods", "methods takes at most " + MAX_METHODS + " names, got " + methods.size());
        }
        if (new LinkedHashSet<>(methods).size() != methods.size()) {
            throw new InvalidParameterException("methods", "methods names a method twice: " + methods);
        }
        String layers = p.raw("layers");
        return new SanityQuery(
                methods,
                p.choice(MODE, Mode.class),
                layers == null || layers.isBlank() || layers.trim().equals("all") ? List.of() : list(layers, ""),
                p.longValue(SEED),
                p.raw("target"),
                p.raw("timeoutMs") == null ? null : Duration.ofMillis(p.integer(TIMEOUT_MS)));
    }

    private static List<String> list(String raw, String fallback) {
        String v = raw == null || raw.isBlank() ? fallback : raw;
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
