package io.salience.evaluation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The committed cost estimate of each saliency method ({@code evaluation/method-costs.properties}), in units of one
 * single-image prediction.
 */
public final class MethodCosts {

    /** The cost assumed for a method without an estimate: larger than any measured one. */
    public static final double UNKNOWN = 2000;

    private static final Map<String, Double> COSTS = load();

    private MethodCosts() {}

    /** Every estimate, by method name. */
    public static Map<String, Double> all() {
        return COSTS;
    }

    /** The estimate of one method ({@link #UNKNOWN} when it has none). */
    public static double of(String method) {
        return COSTS.getOrDefault(method, UNKNOWN);
    }

    private static Map<String, Double> load() {
        Properties p = new Properties();
        try (InputStream in = MethodCosts.class.getResourceAsStream("/evaluation/method-costs.properties")) {
            if (in == null) {
                throw new IllegalStateException("evaluation/method-costs.properties is missing");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Double> out = new TreeMap<>();
        p.forEach((k, v) ->
                out.put(k.toString().trim(), Double.valueOf(v.toString().trim())));
        return Map.copyOf(out);
    }
}
