package io.salience.engine;

import java.util.List;

/**
 * The values fetched by one session run, in fetch order, each with its shape (batch dimension first).
 *
 * @param values the fetched float32 tensors
 * @param shapes their shapes
 */
public record Outputs(List<float[]> values, List<long[]> shapes) {

    /** The {@code i}-th fetched tensor. */
    public float[] get(int i) {
        return values.get(i);
    }

    /** The shape of the {@code i}-th fetched tensor. */
    public long[] shape(int i) {
        return shapes.get(i);
    }
}
