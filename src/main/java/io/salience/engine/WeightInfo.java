package io.salience.engine;

/**
 * A model weight that the {@link ModelGraph#randomisable()} copy can replace.
 *
 * @param variable the variable's name, e.g. {@code conv1/kernel}
 * @param layer the Keras layer path of the op that reads it, e.g. {@code idc_demo_cnn/conv1}
 * @param shape the variable's shape
 */
public record WeightInfo(String variable, String layer, long[] shape) {

    /** Number of values. */
    public int size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    /** The last segment of the variable's name, e.g. {@code kernel}. */
    public String role() {
        int slash = variable.lastIndexOf('/');
        String r = slash >= 0 ? variable.substring(slash + 1) : variable;
        int colon = r.indexOf(':');
        return colon > 0 ? r.substring(0, colon) : r;
    }
}
