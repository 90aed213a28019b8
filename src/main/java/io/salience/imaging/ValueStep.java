package io.salience.imaging;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.DoubleBinaryOperator;
import java.util.function.Function;

/**
 * One value transformation applied, in order, to the resized image's float values (0..255 at the start). Each step
 * knows its descriptor spelling ({@link #kind()}), how to parse itself ({@link #parse}), validate itself (in its
 * constructor and {@link #perChannelLength()}), apply itself ({@link #apply}) and describe itself
 * ({@link #describe()}). Per-channel arrays of length 1 apply to every channel; otherwise their length must equal the
 * number of channels of the {@link PreprocessSpec}. Adding a step means adding a record here and a line to
 * {@code PARSERS}.
 */
public sealed interface ValueStep {

    /** The descriptor key, e.g. {@code scale}. */
    String kind();

    /** The step's value as the descriptor and the API spell it (a number, a list of numbers or a word). */
    Object describe();

    /** Number of per-channel values, 1 when the step treats every channel alike. */
    default int perChannelLength() {
        return 1;
    }

    /** Applies the step in place to an HWC tensor. */
    void apply(float[] tensor, int height, int width, int channels);

    /** Parsers by descriptor key, in documentation order. */
    Map<String, Function<Object, ValueStep>> PARSERS = parsers();

    /** The descriptor keys of every step. */
    static Set<String> kinds() {
        return PARSERS.keySet();
    }

    /**
     * Parses one pipeline entry {@code kind: value}.
     *
     * @throws IllegalArgumentException naming what is wrong, for the descriptor error
     */
    static ValueStep parse(String kind, Object value) {
        Function<Object, ValueStep> parser = PARSERS.get(kind);
        if (parser == null) {
            throw new IllegalArgumentException("has unknown step '" + kind + "'; valid: " + String.join(", ", kinds()));
        }
        return parser.apply(value);
    }

    private static Map<String, Function<Object, ValueStep>> parsers() {
        Map<String, Function<Object, ValueStep>> m = new LinkedHashMap<>();
        m.put("scale", v -> new Scale(number("scale", v)));
        m.put("offset", v -> new Offset(number("offset", v)));
        m.put("mean", v -> new Mean(numbers("mean", v)));
        m.put("std", v -> new Std(numbers("std", v)));
        m.put("l2-normalize", v -> new L2Normalize(Axis.parse(String.valueOf(v))));
        return Collections.unmodifiableMap(m);
    }

    /** {@code v * factor}. */
    record Scale(double factor) implements ValueStep {
        /** Validates that the factor is finite. */
        public Scale {
            requireFinite(factor, "scale factor");
        }

        @Override
        public String kind() {
            return "scale";
        }

        @Override
        public Object describe() {
            return factor;
        }

        @Override
        public void apply(float[] t, int height, int width, int channels) {
            for (int i = 0; i < t.length; i++) {
                t[i] = (float) (t[i] * factor);
            }
        }
    }

    /** {@code v + value}. */
    record Offset(double value) implements ValueStep {
        /** Validates that the offset is finite. */
        public Offset {
            requireFinite(value, "offset");
        }

        @Override
        public String kind() {
            return "offset";
        }

        @Override
        public Object describe() {
            return value;
        }

        @Override
        public void apply(float[] t, int height, int width, int channels) {
            for (int i = 0; i < t.length; i++) {
                t[i] = (float) (t[i] + value);
            }
        }
    }

    /** A step with one value per channel (or one for all). */
    sealed interface PerChannel extends ValueStep permits Mean, Std {

        /** A copy of the per-channel values. */
        double[] perChannel();

        @Override
        default Object describe() {
            return Arrays.stream(perChannel()).boxed().toList();
        }

        @Override
        default int perChannelLength() {
            return perChannel().length;
        }
    }

    /** {@code v - perChannel[c]}. */
    record Mean(double[] perChannel) implements PerChannel {
        /** Validates and copies the per-channel means. */
        public Mean {
            perChannel = checkedCopy(perChannel, "mean", false);
        }

        /** A copy of the per-channel means. */
        @Override
        public double[] perChannel() {
            return perChannel.clone();
        }

        @Override
        public String kind() {
            return "mean";
        }

        @Override
        public void apply(float[] t, int height, int width, int channels) {
            applyPerChannel(t, channels, perChannel, (v, m) -> v - m);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Mean other && Arrays.equals(perChannel, other.perChannel);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(perChannel);
        }

        @Override
        public String toString() {
            return "Mean" + Arrays.toString(perChannel);
        }
    }

    /** {@code v / perChannel[c]}; every value must be finite and greater than zero. */
    record Std(double[] perChannel) implements PerChannel {
        /** Validates and copies the per-channel standard deviations. */
        public Std {
            perChannel = checkedCopy(perChannel, "std", true);
        }

        /** A copy of the per-channel standard deviations. */
        @Override
        public double[] perChannel() {
            return perChannel.clone();
        }

        @Override
        public String kind() {
            return "std";
        }

        @Override
        public void apply(float[] t, int height, int width, int channels) {
            applyPerChannel(t, channels, perChannel, (v, sd) -> v / sd);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Std other && Arrays.equals(perChannel, other.perChannel);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(perChannel);
        }

        @Override
        public String toString() {
            return "Std" + Arrays.toString(perChannel);
        }
    }

    /**
     * Divides every vector along {@code axis} by its L2 norm, leaving all-zero vectors at zero, as
     * {@code keras.utils.normalize(x, axis=a, order=2)} on an NHWC batch with a = 1 (HEIGHT), 2 (WIDTH) or 3
     * (CHANNEL).
     */
    record L2Normalize(Axis axis) implements ValueStep {
        /** Validates that the axis is given. */
        public L2Normalize {
            Objects.requireNonNull(axis, "L2 normalisation axis must not be null");
        }

        @Override
        public String kind() {
            return "l2-normalize";
        }

        @Override
        public Object describe() {
            return axis.name().toLowerCase(Locale.ROOT);
        }

        @Override
        public void apply(float[] t, int height, int width, int channels) {
            // Every element belongs to exactly one vector; group(y, x, c) names it.
            int groups =
                    switch (axis) {
                        case HEIGHT -> width * channels;
                        case WIDTH -> height * channels;
                        case CHANNEL -> height * width;
                    };
            double[] sums = new double[groups];
            for (int y = 0, i = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int c = 0; c < channels; c++, i++) {
                        double v = t[i];
                        sums[group(y, x, c, width, channels)] += v * v;
                    }
                }
            }
            for (int g = 0; g < groups; g++) {
                double norm = Math.sqrt(sums[g]);
                sums[g] = norm == 0 ? 1.0 : norm;
            }
            for (int y = 0, i = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int c = 0; c < channels; c++, i++) {
                        t[i] = (float) (t[i] / sums[group(y, x, c, width, channels)]);
                    }
                }
            }
        }

        private int group(int y, int x, int c, int width, int channels) {
            return switch (axis) {
                case HEIGHT -> x * channels + c;
                case WIDTH -> y * channels + c;
                case CHANNEL -> y * width + x;
            };
        }
    }

    private static double number(String what, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(what + " must be a number, got '" + v + "'");
    }

    private static double[] numbers(String what, Object v) {
        if (v instanceof Number n) {
            return new double[] {n.doubleValue()};
        }
        if (v instanceof List<?> list && !list.isEmpty()) {
            double[] out = new double[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = number(what + "[" + i + "]", list.get(i));
            }
            return out;
        }
        throw new IllegalArgumentException(what + " must be a number or a list of numbers");
    }

    /** {@code t[., c] = op(t[., c], values[c])}, one value broadcast to every channel. */
    private static void applyPerChannel(float[] t, int channels, double[] values, DoubleBinaryOperator op) {
        if (values.length != 1 && values.length != channels) {
            throw new IllegalArgumentException(
                    "per-channel step has " + values.length + " values for " + channels + " channel(s)");
        }
        for (int i = 0; i < t.length; i += channels) {
            for (int c = 0; c < channels; c++) {
                t[i + c] = (float) op.applyAsDouble(t[i + c], values[values.length == 1 ? 0 : c]);
            }
        }
    }

    private static void requireFinite(double value, String what) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(what + " must be a finite number, got " + value);
        }
    }

    private static double[] checkedCopy(double[] values, String what, boolean positive) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException(what + " needs at least one value");
        }
        double[] copy = values.clone();
        for (int i = 0; i < copy.length; i++) {
            requireFinite(copy[i], what + "[" + i + "]");
            if (positive && copy[i] <= 0) {
                throw new IllegalArgumentException(what + "[" + i + "] must be greater than zero, got " + copy[i]);
            }
        }
        return copy;
    }
}
