package io.salience.imaging;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes float32 arrays as NPY version 1.0 files exactly as {@code numpy.save} does: descr {@code
 * '<f4'}, C order, the header dict followed by numpy's spare space for growing the first axis and
 * padded with spaces and a final newline to a multiple of 64 bytes.
 */
public final class NpyWriter {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    /** numpy's GROWTH_AXIS_MAX_DIGITS: room for the first axis to grow to 21 digits in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    private NpyWriter() {}

    /**
     * The bytes of an NPY file holding {@code data} with {@code shape} (C order).
     *
     * @throws IllegalArgumentException when a dimension is negative or the product of the shape is not
     *     {@code data.length}
     */
    public static byte[] write(float[] data, int[] shape) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * Float.BYTES + ALIGN * 2);
        try {
            write(data, shape, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes an NPY file holding {@code data} with {@code shape} to {@code out} (not closed). */
    public static void write(float[] data, int[] shape, OutputStream out) throws IOException {
        Objects.requireNonNull(data, "data must not be null");
        Objects.requireNonNull(out, "output must not be null");
        out.write(header(shape, data.length));
        ByteBuffer buffer = ByteBuffer.allocate(Math.min(data.length, 1 << 16) * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < data.length; ) {
            int count = Math.min(data.length - from, buffer.capacity() / Float.BYTES);
            buffer.clear();
            buffer.asFloatBuffer().put(data, from, count);
            out.write(buffer.array(), 0, count * Float.BYTES);
            from += count;
        }
    }

    /** The magic string, version, header length and padded header for a float32 array. */
    static byte[] header(int[] shape, int length) {
        Objects.requireNonNull(shape, "shape must not be null");
        long product = 1;
        StringBuilder dims = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape dimension " + i + " is negative: " + shape[i]);
            }
            product *= shape[i];
            dims.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        dims.append(shape.length == 1 ? ",)" : ")");
        if (product != length) {
            throw new IllegalArgumentException("shape holds " + product + " elements but the data has " + length);
        }
        StringBuilder dict = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': ")
                .append(dims)
                .append(", }");
        if (shape.length > 0) {
            dict.append(" "
                    .repeat(Math.max(
                            0, GROWTH_AXIS_MAX_DIGITS - String.valueOf(shape[0]).length())));
        }
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        dict.append(" ".repeat(ALIGN - unpadded % ALIGN)).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 4 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC)
                .put((byte) 1)
                .put((byte) 0)
                .putShort((short) text.length)
                .put(text);
        return header.array();
    }
}
