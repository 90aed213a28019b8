package io.salience.model;

/** No model of that name is configured (404), or it is not ready (503 while loading, 500 when it failed). */
public class ModelNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String model;

    public ModelNotFoundException(String model) {
        super("No model named '" + model + "'");
        this.model = model;
    }

    public String model() {
        return model;
    }
}
