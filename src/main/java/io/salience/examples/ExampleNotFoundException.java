package io.salience.examples;

/** No example of that name is listed for the model (answered 404). */
public class ExampleNotFoundException extends RuntimeException {

    public ExampleNotFoundException(String model, String name) {
        super("Model '" + model + "' has no example '" + name + "'; GET /v1/models/" + model + "/examples lists them");
    }
}
