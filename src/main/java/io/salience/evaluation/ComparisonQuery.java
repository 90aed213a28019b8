package io.salience.evaluation;

import io.salience.attribution.InvalidParameterException;
import io.salience.attribution.ParamSpec;
import io.salience.attribution.Params;
import io.salience.attribution.SaliencyQuery;
import io.salience.imaging.ColorMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a comparison, declared once as {@link ParamSpec}s.
 *
 * @param methods the methods named by the request, or empty to choose by {@code budgetMs}
 * @param budgetMs the time budget of the methods chosen when none is named
 * @param target the raw target, or null for the predicted class
 * @param timeout the pool deadline of each call, or null for the pool's default
 * @param colorMap the panel's colour map
 * @param evaluation the metrics' settings
 */
public record ComparisonQuery(
        List<String> methods,
        long budgetMs,
        String target,
        Duration timeout,
        ColorMap colorMap,
        EvaluationOptions evaluation) {

    public static final ParamSpec METHODS = ParamSpec.text(
            "methods",
            "",
            "comma-separated names from GET /v1/methods (at most 32); empty = every method whose estimated time fits"
                    + " budgetMs",
            "The methods compared, each at its defaults");
    public static final ParamSpec BUDGET_MS = ParamSpec.integer(
            "budgetMs",
            10_000,
            100,
            600_000,
            "When methods is empty: methods are taken cheapest first while the sum of their estimated times stays"
                    + " within this many milliseconds (the estimate: the method's committed cost in predictions x this"
                    + " image's measured prediction time, plus the measured time of the metrics of one map); the"
                    + " cheapest is always taken");
    public static final ParamSpec COLORMAP = ParamSpec.choice(
            "colormap", ColorMap.class, ColorMap.VIRIDIS, "PNG panel: colour map (viridis is colour-blind safe)");

    /** The most methods one comparison takes. */
    public static final int MAX_METHODS = 32;

    /** Every parameter, in documentation order. */
    public static final List<ParamSpec> SPECS;

    static {
        List<ParamSpec> s =
                new ArrayList<>(List.of(METHODS, BUDGET_MS, SaliencyQuery.TARGET, SaliencyQuery.TIMEOUT_MS, COLORMAP));
        s.addAll(EvaluationOptions.SPECS);
        SPECS = List.copyOf(s);
    }

    public ComparisonQuery {
        methods = List.copyOf(methods);
    }

    /** Binds and validates a request's parameters; an unknown one is a 400. */
    public static ComparisonQuery of(Map<String, String> raw) {
        for (String name : raw.keySet()) {
            if (SPECS.stream().noneMatch(s -> s.name().equals(name))) {
                throw new InvalidParameterException(
                        name,
                        "unknown parameter '" + name + "' for compare; valid: "
                                + SPECS.stream().map(ParamSpec::name).toList());
            }
        }
        Params p = new Params(raw);
        p.validate(List.of(BUDGET_MS, SaliencyQuery.TIMEOUT_MS, COLORMAP));
        List<String> methods = new ArrayList<>();
        String m = p.raw(METHODS.name());
        if (m != null) {
            for (String name : m.split(",")) {
                String n = name.trim();
                if (!n.isEmpty() && !methods.contains(n)) {
                    methods.add(n);
                }
            }
        }
        if (methods.size() > MAX_METHODS) {
            throw new InvalidParameterException(
                    "methods", "at most " + MAX_METHODS + " methods, got " + methods.size());
        }
        return new ComparisonQuery(
                methods,
                p.longValue(BUDGET_MS),
                p.raw(SaliencyQuery.TARGET.name()),
                p.raw(SaliencyQuery.TIMEOUT_MS.name()) == null
                        ? null
                        : Duration.ofMillis(p.integer(SaliencyQuery.TIMEOUT_MS)),
                p.choice(COLORMAP, ColorMap.class),
                EvaluationOptions.of(p));
    }
}
