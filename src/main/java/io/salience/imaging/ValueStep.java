package io.salience.imaging;

import java.util.Arrays;
import java.util.Objects;

/**
 * One value transformation applied, in order, to the resized image's float values (0..255 at the
 * start). Per-channel arrays of length 1 apply to every channel; otherwise their length must equal
 * the number of channels of the {@link PreprocessSpec}.
 */
public sealed interface ValueStep {

    /** {@code v * factor}. */
    record Scale(double factor) implements ValueStep {
        /** Validates that the factor is finite. */
        public Scale {
            requireFinite(factor, "scale factor");
        }
    }

    /** {@code v + value}. */
    record Offset(double value) implements ValueStep {
        /** Validates that the offset is finite. */
        public Offset {
            requireFinite(value, "offset");
        }
    }

    /** {@code v - perChannel[c]}. */
    record Mean(double[] perChannel) implements ValueStep {
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
    record Std(double[] perChannel) implements ValueStep {
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
     * {@code keras.utils.normalize(x, axis=a, order=2)} on an NHWC batch with a = 1 (HEIGHT), 2
     * (WIDTH) or 3 (CHANNEL).
     */
    record L2Normalize(Axis axis) implements ValueStep {
        /** Validates that the axis is given. */
        public L2Normalize {
            Objects.requireNonNull(axis, "L2 normalisation axis must not be null");
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
