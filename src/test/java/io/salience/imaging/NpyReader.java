package io.salience.imaging;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NPY files (versions 1.0 to 3.0) of little-endian C-order arrays with dtype float32, float64,
 * (u)int8/16/32/64 or bool, e.g. reference arrays written by {@code numpy.save}.
 */
public final class NpyReader {

    private static final Map<String, Integer> ITEM_SIZES = Map.ofEntries(
            Map.entry("f4", 4),
            Map.entry("f8", 8),
            Map.entry("i1", 1),
            Map.entry("u1", 1),
            Map.entry("b1", 1),
            Map.entry("i2", 2),
            Map.entry("u2", 2),
            Map.entry("i4", 4),
            Map.entry("u4", 4),
            Map.entry("i8", 8),
            Map.entry("u8", 8));
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyReader() {}

    /** Reads the NPY file at {@code path}. */
    public static NpyArray read(Path path) throws IOException {
        return read(Files.readAllBytes(path));
    }

    /**
     * Parses NPY bytes.
     *
     * @throws IllegalArgumentException when the bytes are not an NPY file this reader supports
     */
    public static NpyArray read(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes must not be null");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), NpyWriter.MAGIC)) {
            throw new IllegalArgumentException("not an NPY file (bad magic string)");
        }
        int major = bytes[6];
        b.position(8);
        long headerLength =
                switch (major) {
                    case 1 -> b.getShort() & 0xFFFF;
                    case 2, 3 -> {
                        if (bytes.length < 12) {
                            throw new IllegalArgumentException("truncated NPY header");
                        }
                        yield b.getInt() & 0xFFFFFFFFL;
                    }
                    default -> throw new IllegalArgumentException("unsupported NPY version " + major);
                };
        if (headerLength > b.remaining()) {
            throw new IllegalArgumentException("truncated NPY header");
        }
        String header = new String(
                bytes,
                b.position(),
                (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        b.position(b.position() + (int) headerLength);

        String descr = group(DESCR, header, "descr");
        if (group(FORTRAN, header, "fortran_order").equals("True")) {
            throw new IllegalArgumentException("Fortran-order arrays are not supported");
        }
        if (descr.length() != 3 || (descr.charAt(0) != '<' && descr.charAt(0) != '|')) {
            throw new IllegalArgumentException("unsupported dtype " + descr + " (little-endian numbers only)");
        }
        Integer itemSize = ITEM_SIZES.get(descr.substring(1));
        if (itemSize == null) {
            throw new IllegalArgumentException("unsupported dtype " + descr);
        }
        int[] shape = parseShape(group(SHAPE, header, "shape"));
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        if (size > Integer.MAX_VALUE || size * itemSize > b.remaining()) {
            throw new IllegalArgumentException("NPY data is truncated or too large: " + size + " elements of " + descr);
        }
        ByteBuffer data = b.slice();
        data.limit((int) (size * itemSize));
        return new NpyArray(shape, descr, data, (int) size);
    }

    private static String group(Pattern pattern, String header, String key) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException("NPY header has no '" + key + "'");
        }
        return m.group(1);
    }

    private static int[] parseShape(String text) {
        return Arrays.stream(text.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .mapToInt(s -> {
                    try {
                        int d = Integer.parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s);
                        if (d < 0) {
                            throw new IllegalArgumentException("negative NPY dimension " + d);
                        }
                        return d;
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("bad NPY shape (" + text + ")", e);
                    }
                })
                .toArray();
    }
}
