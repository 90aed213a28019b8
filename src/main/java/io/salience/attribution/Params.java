package io.salience.attribution;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Typed, validated access to a request's method parameters; every error names the parameter. */
public final class Params {

    private final Map<String, String> values;

    public Params(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The raw value, or null when absent or blank. */
    public String raw(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    public int integer(String name, int fallback, int min, int max) {
        String v = raw(name);
        if (v == null) {
            return fallback;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(name, name + " must be an integer, got '" + v + "'");
        }
        if (parsed < min || parsed > max) {
            throw new InvalidParameterException(
                    name, name + " must be between " + min + " and " + max + ", got " + parsed);
        }
        return parsed;
    }

    public long longValue(String name, long fallback) {
        String v = raw(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(name, name + " must be an integer, got '" + v + "'");
        }
    }

    public double number(String name, double fallback, double min, double max) {
        String v = raw(name);
        if (v == null) {
            return fallback;
        }
        double parsed;
        try {
            parsed = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(name, name + " must be a number, got '" + v + "'");
        }
        if (!(parsed >= min && parsed <= max)) {
            throw new InvalidParameterException(name, name + " must be between " + min + " and " + max + ", got " + v);
        }
        return parsed;
    }

    /** An enum value spelled in lower case with dashes (e.g. {@code max-abs} for {@code MAX_ABS}). */
    public <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
        String v = raw(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException(name, name + " must be one of " + spelled(type) + ", got '" + v + "'");
        }
    }

    /** How {@link #choice} spells the values of an enum. */
    public static <E extends Enum<E>> String spelled(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(Params::spell).collect(Collectors.joining(", "));
    }

    /** The API spelling of one enum constant. */
    public static String spell(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
