package io.salience.engine;

/**
 * A TensorFlow graph or session operation failed. Messages are for people: no absolute file paths, no TensorFlow node
 * paths or C++ type names (TensorFlow's own text goes to the debug log).
 */
public class EngineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
