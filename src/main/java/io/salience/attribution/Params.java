package io.salience.attribution;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A request's method parameters, checked against the method's {@link ParamSpec}s: typed access, defaults for absent
 * or empty fields, and errors that name the parameter.
 */
public final class Params {

    private final Map<String, String> values;

    /** Raw values by name; blank values count as absent. */
    public Params(Map<String, String> values) {
        Map<String, String> v = new LinkedHashMap<>();
        values.forEach((k, s) -> {
            if (s != null && !s.isBlank()) {
                v.put(k, s.trim());
            }
        });
        this.values = Map.copyOf(v);
    }

    /**
     * Checks every given value against its spec now, so that a bad value is reported before any work is done.
     *
     * @return every spec's value as used, defaults filled in
     */
    public Map<String, String> validate(List<ParamSpec> specs) {
        Map<String, String> used = new LinkedHashMap<>();
        for (ParamSpec s : specs) {
            if (raw(s.name()) == null) {
                used.put(s.name(), s.defaultValue());
                continue;
            }
            switch (s.type()) {
                case "integer" -> longValue(s); // 64-bit specs (seeds) included; integer() narrows later
                case "number" -> number(s);
                case "choice" -> word(s);
                default -> {
                    // free text: the method checks it
                }
            }
            used.put(s.name(), raw(s.name()));
        }
        return used;
    }

    /** The raw value, or null when absent or blank. */
    public String raw(String name) {
        return values.get(name);
    }

    /** An integer parameter (its spec's default when absent). */
    public int integer(ParamSpec spec) {
        return Math.toIntExact(longValue(spec));
    }

    /** A 64-bit integer parameter (its spec's default when absent). */
    public long longValue(ParamSpec spec) {
        String v = raw(spec.name());
        if (v == null) {
            return Long.parseLong(spec.defaultValue());
        }
        long parsed;
        try {
            parsed = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(spec.name(), spec.name() + " must be an integer, got '" + v + "'");
        }
        if (parsed < spec.minimum().longValue() || parsed > spec.maximum().longValue()) {
            throw new InvalidParameterException(
                    spec.name(),
                    spec.name() + " must be between " + spec.minimum() + " and " + spec.maximum() + ", got " + parsed);
        }
        return parsed;
    }

    /** A number parameter (its spec's default when absent). */
    public double number(ParamSpec spec) {
        String v = raw(spec.name());
        if (v == null) {
            return Double.parseDouble(spec.defaultValue());
        }
        double parsed;
        try {
            parsed = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(spec.name(), spec.name() + " must be a number, got '" + v + "'");
        }
        if (!(parsed >= spec.minimum().doubleValue() && parsed <= spec.maximum().doubleValue())) {
            throw new InvalidParameterException(
                    spec.name(),
                    spec.name() + " must be between " + spec.minimum() + " and " + spec.maximum() + ", got " + v);
        }
        return parsed;
    }

    /** A choice among words (its spec's default when absent). */
    public String word(ParamSpec spec) {
        String v = raw(spec.name());
        if (v == null) {
            return spec.defaultValue();
        }
        if (!spec.values().contains(v)) {
            throw new InvalidParameterException(
                    spec.name(), spec.name() + " must be one of " + spec.limits() + ", got '" + v + "'");
        }
        return v;
    }

    /** A choice among an enum's constants (its spec's default when absent). */
    public <E extends Enum<E>> E choice(ParamSpec spec, Class<E> type) {
        return parse(type, word(spec));
    }

    /** The constant spelled {@code value} as {@link #spell} spells it. */
    public static <E extends Enum<E>> E parse(Class<E> type, String value) {
        return Enum.valueOf(type, value.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** How enum values are spelled in the API, comma-separated. */
    public static <E extends Enum<E>> String spelled(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(Params::spell).collect(Collectors.joining(", "));
    }

    /** The API spelling of one enum constant. */
    public static String spell(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
