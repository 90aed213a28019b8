package io.salience.attribution;

import java.util.List;

/**
 * A method parameter as documented: name, default and the accepted range or values.
 *
 * @param name the request field
 * @param defaultValue the value used when the field is absent
 * @param limits accepted range or values, in words
 * @param description what it does
 */
public record ParamSpec(String name, String defaultValue, String limits, String description) {

    /** Convenience for a list of specs. */
    public static List<ParamSpec> of(ParamSpec... specs) {
        return List.of(specs);
    }
}
