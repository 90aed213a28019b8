package io.salience.imaging;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * An array read by {@link NpyReader}: its shape, numpy dtype string and little-endian C-order data.
 * The {@code to...} methods convert the elements to one Java type.
 */
public final class NpyArray {

    private final int[] shape;
    private final String dtype;
    private final ByteBuffer data;
    private final int size;

    NpyArray(int[] shape, String dtype, ByteBuffer data, int size) {
        this.shape = shape.clone();
        this.dtype = Objects.requireNonNull(dtype);
        this.data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.size = size;
    }

    /** The shape (a copy); {@code []} for a scalar. */
    public int[] shape() {
        return shape.clone();
    }

    /** The numpy dtype string, e.g. {@code "<f4"}, {@code "<i8"}, {@code "|u1"}. */
    public String dtype() {
        return dtype;
    }

    /** Number of elements (the product of the shape). */
    public int size() {
        return size;
    }

    /** The elements as floats (float64 and 64-bit integers are rounded to the nearest float). */
    public float[] toFloatArray() {
        double[] values = toDoubleArray();
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** The elements as doubles. */
    public double[] toDoubleArray() {
        double[] out = new double[size];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < size; i++) {
            out[i] = switch (dtype.substring(1)) {
                case "f4" -> b.getFloat();
                case "f8" -> b.getDouble();
                case "i8" -> b.getLong();
                case "u8" -> unsignedLong(b.getLong());
                default -> readIntegral(b);
            };
        }
        return out;
    }

    /**
     * The elements as ints; only for integer and bool dtypes.
     *
     * @throws IllegalStateException when the dtype is a float type or a value does not fit in an int
     */
    public int[] toIntArray() {
        if (dtype.charAt(1) == 'f') {
            throw new IllegalStateException("array of " + dtype + " is not an integer array");
        }
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            long v =
                    switch (dtype.substring(1)) {
                        case "i8", "u8" -> b.getLong();
                        default -> (long) readIntegral(b);
                    };
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE || (dtype.endsWith("u8") && v < 0)) {
                throw new IllegalStateException("element " + i + " does not fit in an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    private double readIntegral(ByteBuffer b) {
        return switch (dtype.substring(1)) {
            case "i1" -> b.get();
            case "u1", "b1" -> b.get() & 0xFF;
            case "i2" -> b.getShort();
            case "u2" -> b.getShort() & 0xFFFF;
            case "i4" -> b.getInt();
            case "u4" -> b.getInt() & 0xFFFFFFFFL;
            default -> throw new IllegalStateException("unsupported dtype " + dtype);
        };
    }

    private static double unsignedLong(long v) {
        return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
    }

    @Override
    public String toString() {
        return "NpyArray[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
