package io.salience.graph;

/**
 * The model cannot be explained with the requested method, e.g. an op without a registered gradient or no
 * rectifier for guided backpropagation. The API answers 422.
 */
public class UnsupportedModelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UnsupportedModelException(String message) {
        super(message);
    }
}
