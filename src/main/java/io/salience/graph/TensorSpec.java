package io.salience.graph;

import java.util.List;

/**
 * A signature tensor as the API shows it.
 *
 * @param name the graph tensor name, e.g. {@code serving_default_input:0}
 * @param dtype lower-case TensorFlow dtype without the {@code DT_} prefix, e.g. {@code float}
 * @param shape dimensions, -1 where unknown
 */
public record TensorSpec(String name, String dtype, List<Long> shape) {

    public TensorSpec {
        shape = List.copyOf(shape);
    }
}
