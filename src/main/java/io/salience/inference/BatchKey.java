package io.salience.inference;

import java.util.Objects;

/**
 * Identifies which session runs may be merged: rows of requests with equal keys may be concatenated into one
 * {@link BatchRunner#run} call.
 *
 * <p>Requests with equal keys must be submitted with interchangeable {@link BatchRunner}s and row types: a merged
 * batch is executed by the runner of its oldest request.
 *
 * @param model the model id (as the engine names it); becomes the {@code model} tag of {@code salience.compute}
 * @param graph the compiled-graph id, e.g. {@code "predict"}, {@code "input-gradient:guided"},
 *     {@code "layer-gradient:last_conv:plain"}; becomes the {@code method} tag of {@code salience.compute}
 */
public record BatchKey(String model, String graph) {

    /** Checks that both parts are present. */
    public BatchKey {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(graph, "graph");
    }

    @Override
    public String toString() {
        return model + "/" + graph;
    }
}
