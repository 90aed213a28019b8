package io.salience.protocol;

/** A request that the protocol routes refuse, with the HTTP status to answer and a message for the client. */
public class ProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * Creates the exception.
     *
     * @param status the HTTP status, 4xx
     * @param message what was wrong, for the client
     */
    public ProtocolException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** A 400 Bad Request. */
    public static ProtocolException badRequest(String message) {
        return new ProtocolException(400, message);
    }

    /** The HTTP status to answer. */
    public int status() {
        return status;
    }
}
