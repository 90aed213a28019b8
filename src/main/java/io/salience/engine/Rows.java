package io.salience.engine;

import java.util.Arrays;
import java.util.List;

/**
 * Row batching: rows of equal length become one batch tensor, and a fetched batch tensor splits back into rows. The
 * one place where the model runner, the graph accessors and the tests batch rows.
 */
public final class Rows {

    private Rows() {}

    /** The rows, each of the same length, one after another. */
    public static float[] concat(List<float[]> rows) {
        if (rows.isEmpty()) {
            return new float[0];
        }
        int per = rows.get(0).length;
        float[] batch = new float[rows.size() * per];
        for (int i = 0; i < rows.size(); i++) {
            float[] r = rows.get(i);
            if (r.length != per) {
                throw new IllegalArgumentException("row " + i + " has " + r.length + " values, row 0 has " + per);
            }
            System.arraycopy(r, 0, batch, i * per, per);
        }
        return batch;
    }

    /** One row repeated {@code n} times. */
    public static float[] repeat(float[] row, int n) {
        float[] batch = new float[n * row.length];
        for (int i = 0; i < n; i++) {
            System.arraycopy(row, 0, batch, i * row.length, row.length);
        }
        return batch;
    }

    /** Row {@code i} of a batch of {@code n} rows. */
    public static float[] row(float[] batch, int n, int i) {
        int per = batch.length / n;
        return Arrays.copyOfRange(batch, i * per, (i + 1) * per);
    }

    /** {@code a · b}, accumulated in double and rounded to float. */
    public static float dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return (float) s;
    }

    /** The index of the largest value (the first, on ties). */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
