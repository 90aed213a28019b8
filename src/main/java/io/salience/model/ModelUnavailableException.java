package io.salience.model;

/** The model is configured but not ready: still loading or failed to load. The API answers 503. */
public class ModelUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ModelUnavailableException(String message) {
        super(message);
    }
}
