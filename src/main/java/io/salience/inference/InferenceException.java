package io.salience.inference;

/**
 * A request failed because the session run (the {@link BatchRunner}) of a batch holding some of its rows failed, or
 * returned the wrong number of outputs. The cause is what the runner threw. Every request with rows in the failed
 * batch receives its own instance; the pool itself keeps working.
 */
public class InferenceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient BatchKey key;

    /**
     * Creates the exception.
     *
     * @param key the key of the failed batch
     * @param message the detail message
     * @param cause what the runner threw (may be {@code null} for a contract violation such as a wrong output count)
     */
    public InferenceException(BatchKey key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The key of the failed batch. */
    public BatchKey key() {
        return key;
    }
}
