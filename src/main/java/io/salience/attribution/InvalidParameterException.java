package io.salience.attribution;

/** A request parameter is missing, malformed or out of range; the API answers 400 naming it. */
public class InvalidParameterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String parameter;

    public InvalidParameterException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    /** The parameter's name as the API spells it. */
    public String parameter() {
        return parameter;
    }
}
