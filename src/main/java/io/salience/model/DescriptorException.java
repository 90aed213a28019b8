package io.salience.model;

/** A descriptor is missing a field or has a wrong value; the message names the file and the field. */
public class DescriptorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String field;

    public DescriptorException(String file, String field, String problem) {
        super(file + ": field '" + field + "' " + problem);
        this.field = field;
    }

    /** The offending field, as a dotted path (e.g. {@code input.colorMode}). */
    public String field() {
        return field;
    }
}
