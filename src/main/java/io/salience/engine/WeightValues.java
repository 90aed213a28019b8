package io.salience.engine;

import java.util.Map;

/**
 * Values fed in place of some weights for one run of the {@link ModelGraph#randomisable()} copy.
 *
 * @param id identifies this set of values, so that the pool batches rows only with rows of the same weights
 * @param values by variable name ({@link WeightInfo#variable()}), each in the variable's row-major layout
 */
public record WeightValues(String id, Map<String, float[]> values) {

    public WeightValues {
        values = Map.copyOf(values);
    }
}
