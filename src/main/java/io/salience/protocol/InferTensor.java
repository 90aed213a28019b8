package io.salience.protocol;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A tensor of the Open Inference Protocol, as sent or answered.
 *
 * @param name the tensor name
 * @param datatype {@code FP32}, {@code UINT8}, {@code INT32} or {@code BYTES}
 * @param shape the shape
 * @param data {@code float[]} (FP32), {@code byte[]} (UINT8), {@code int[]} (INT32) or {@code List<byte[]>} (BYTES)
 * @param parameters the tensor's parameters as sent (e.g. {@code binary_data_size}), never null
 */
record InferTensor(String name, String datatype, long[] shape, Object data, Map<String, Object> parameters) {

    static final String FP32 = "FP32";
    static final String UINT8 = "UINT8";
    static final String INT32 = "INT32";
    static final String BYTES = "BYTES";

    InferTensor {
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    }

    static InferTensor fp32(String name, long[] shape, float[] data) {
        return new InferTensor(name, FP32, shape, data, Map.of());
    }

    static InferTensor int32(String name, long[] shape, int[] data) {
        return new InferTensor(name, INT32, shape, data, Map.of());
    }

    /** Number of elements the shape holds. */
    long elements() {
        return elements(shape);
    }

    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw ProtocolException.badRequest("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw ProtocolException.badRequest("shape " + Arrays.toString(shape) + " is too large");
            }
        }
        return n;
    }

    /** Number of elements held in {@link #data()}. */
    int length() {
        if (data instanceof float[] f) {
            return f.length;
        } else if (data instanceof byte[] b) {
            return b.length;
        } else if (data instanceof int[] i) {
            return i.length;
        } else if (data instanceof List<?> l) {
            return l.size();
        }
        throw new IllegalStateException("unexpected tensor data " + data.getClass());
    }
}
