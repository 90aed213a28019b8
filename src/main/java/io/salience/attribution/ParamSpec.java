package io.salience.attribution;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A request parameter, declared once: name, type, default, accepted range or values, and what it does. Methods
 * declare their own; {@code GET /v1/methods}, the OpenAPI document and {@link Params} read them from here.
 *
 * @param name the request field
 * @param type {@code integer}, {@code number}, {@code string} or {@code choice}
 * @param defaultValue the value used when the field is absent or empty
 * @param limits accepted range or values, in words (e.g. {@code 1..1024})
 * @param minimum smallest accepted value of a numeric parameter, else null
 * @param maximum largest accepted value of a numeric parameter, else null
 * @param values the accepted values of a choice, else null
 * @param description what it does
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ParamSpec(
        String name,
        String type,
        String defaultValue,
        String limits,
        Number minimum,
        Number maximum,
        List<String> values,
        String description) {

    /** An integer parameter in {@code [min, max]}. */
    public static ParamSpec integer(String name, long defaultValue, long min, long max, String description) {
        String limits = min == Long.MIN_VALUE && max == Long.MAX_VALUE ? "any 64-bit integer" : min + ".." + max;
        return new ParamSpec(name, "integer", Long.toString(defaultValue), limits, min, max, null, description);
    }

    /** A number parameter in {@code [min, max]}. */
    public static ParamSpec number(String name, double defaultValue, double min, double max, String description) {
        return new ParamSpec(
                name, "number", plain(defaultValue), plain(min) + ".." + plain(max), min, max, null, description);
    }

    /** One of an enum's constants, spelled as {@link Params#spell}. */
    public static <E extends Enum<E>> ParamSpec choice(String name, Class<E> type, E defaultValue, String description) {
        List<String> values =
                Arrays.stream(type.getEnumConstants()).map(Params::spell).toList();
        return choice(name, values, Params.spell(defaultValue), description);
    }

    /** One of the given words. */
    public static ParamSpec choice(String name, List<String> values, String defaultValue, String description) {
        return new ParamSpec(
                name, "choice", defaultValue, String.join(", ", values), null, null, List.copyOf(values), description);
    }

    /** Free text, validated by the method. */
    public static ParamSpec text(String name, String defaultValue, String limits, String description) {
        return new ParamSpec(name, "string", defaultValue, limits, null, null, null, description);
    }

    /** The description with the default and the limits, as the OpenAPI document states them. */
    public String documented() {
        return switch (type) {
            case "integer", "number" -> description + "; default " + defaultValue + ", " + limits;
            case "choice" -> description + "; default " + defaultValue + "; one of " + limits;
            default -> description + "; default " + defaultValue + "; " + limits;
        };
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    @Override
    public String toString() {
        return name.toLowerCase(Locale.ROOT);
    }
}
