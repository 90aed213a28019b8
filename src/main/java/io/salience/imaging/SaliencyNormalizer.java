package io.salience.imaging;

import java.util.Arrays;
import java.util.Objects;

/**
 * Reduces a raw saliency map [H, W, C] to one channel and scales it to [0, 1].
 *
 * <ul>
 *   <li>{@link SaliencyReduction#MAX_ABS}: {@code r = max_c |v|}; {@code clip = percentile(r, p)};
 *       result {@code min(r / clip, 1)}.
 *   <li>{@link SaliencyReduction#SIGNED}: {@code s = sum_c v}; {@code clip = percentile(|s|, p)};
 *       result {@code 0.5 + 0.5 * clamp(s / clip, -1, 1)}, so 0.5 means zero.
 * </ul>
 *
 * <p>The percentile is numpy's default ({@link #percentile}). When the percentile is 0 but the map
 * is not all zero (a sparse map), the maximum magnitude is used as the clip value instead. An
 * all-zero map gives clip value 0 and all results 0 (MAX_ABS) or 0.5 (SIGNED, the value for zero);
 * no NaN is produced. Non-finite raw values are rejected. Stateless and thread-safe.
 */
public final class SaliencyNormalizer {

    private SaliencyNormalizer() {}

    /**
     * Normalises {@code raw}, laid out row-major as {@code (y * width + x) * channels + c}.
     *
     * @throws IllegalArgumentException when the length does not match or a value is NaN or infinite
     */
    public static NormalizedSaliency normalize(
            float[] raw, int height, int width, int channels, NormalizationOptions options) {
        Objects.requireNonNull(raw, "saliency map must not be null");
        Objects.requireNonNull(options, "options must not be null");
        if (height < 1 || width < 1 || channels < 1 || (long) height * width * channels != raw.length) {
            throw new IllegalArgumentException(
                    "saliency map of length " + raw.length + " is not " + height + "x" + width + "x" + channels);
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : raw) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("saliency map contains a non-finite value (" + v + ")");
            }
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        int pixels = height * width;
        boolean signed = options.reduce() == SaliencyReduction.SIGNED;
        float[] reduced = new float[pixels];
        for (int p = 0, i = 0; p < pixels; p++) {
            double acc = 0;
            for (int c = 0; c < channels; c++, i++) {
                acc = signed ? acc + raw[i] : Math.max(acc, Math.abs(raw[i]));
            }
            reduced[p] = (float) acc;
        }
        float[] magnitudes = new float[pixels];
        float maxMagnitude = 0;
        for (int p = 0; p < pixels; p++) {
            magnitudes[p] = Math.abs(reduced[p]);
            maxMagnitude = Math.max(maxMagnitude, magnitudes[p]);
        }
        double clip = percentileOfMagnitudes(magnitudes, options.clipPercentile());
        if (!(clip > 0)) {
            clip = maxMagnitude;
        }
        float[] out = new float[pixels];
        if (clip > 0) {
            for (int p = 0; p < pixels; p++) {
                double v = reduced[p] / clip;
                out[p] = signed ? (float) (0.5 + 0.5 * Math.max(-1.0, Math.min(1.0, v))) : (float) Math.min(1.0, v);
            }
        } else if (signed) {
            Arrays.fill(out, 0.5f);
        }
        return new NormalizedSaliency(out, height, width, options, clip, min, max);
    }

    /** {@link #normalize} with {@link NormalizationOptions#DEFAULT}. */
    public static NormalizedSaliency normalize(float[] raw, int height, int width, int channels) {
        return normalize(raw, height, width, channels, NormalizationOptions.DEFAULT);
    }

    /**
     * The {@code p}-th percentile of {@code values} as numpy's default {@code np.percentile(values, p)}
     * (method "linear"): with the values sorted ascending as {@code a[0..n-1]}, {@code h = (n - 1) * p
     * / 100}, the result is {@code a[floor(h)] + (h - floor(h)) * (a[floor(h) + 1] - a[floor(h)])}.
     * {@code values} is not modified.
     *
     * @param p percentile in [0, 100]
     */
    public static double percentile(float[] values, double p) {
        Objects.requireNonNull(values, "values must not be null");
        return percentileInPlace(values.clone(), p);
    }

    /**
     * {@link #percentileInPlace} for values that are all {@code >= +0.0} and not NaN (magnitudes), by selecting the
     * two order statistics it needs instead of sorting: the same two values, so the same result.
     */
    static double percentileOfMagnitudes(float[] values, double p) {
        if (values.length == 0 || !(p >= 0 && p <= 100)) {
            return percentileInPlace(values, p); // its exceptions
        }
        double h = (values.length - 1) * (p / 100.0);
        int lo = (int) Math.floor(h);
        if (lo >= values.length - 1) {
            float max = values[0];
            for (float v : values) {
                max = Math.max(max, v);
            }
            return max;
        }
        float low = select(values, lo);
        // after select, everything right of lo is >= values[lo]: the next order statistic is their minimum
        float high = values[lo + 1];
        for (int i = lo + 2; i < values.length; i++) {
            high = Math.min(high, values[i]);
        }
        double frac = h - lo;
        return low + frac * ((double) high - low);
    }

    /**
     * Reorders {@code a} so that {@code a[k]} is the value a sort would put there, everything left of it {@code <=}
     * and everything right of it {@code >=} it (three-way quickselect, median-of-three pivots; a small or stubborn
     * range is sorted). For values without NaN and without {@code -0.0}.
     */
    private static float select(float[] a, int k) {
        int left = 0;
        int right = a.length - 1;
        int budget = 2 * (32 - Integer.numberOfLeadingZeros(a.length)) + 8;
        while (right > left) {
            if (right - left < 16 || --budget < 0) {
                Arrays.sort(a, left, right + 1);
                return a[k];
            }
            int mid = (left + right) >>> 1;
            float pivot = medianOfThree(a[left], a[mid], a[right]);
            int lt = left;
            int gt = right;
            int i = left;
            while (i <= gt) {
                float v = a[i];
                if (v < pivot) {
                    a[i++] = a[lt];
                    a[lt++] = v;
                } else if (v > pivot) {
                    a[i] = a[gt];
                    a[gt--] = v;
                } else {
                    i++;
                }
            }
            // [left, lt) < pivot, [lt, gt] == pivot, (gt, right] > pivot
            if (k < lt) {
                right = lt - 1;
            } else if (k > gt) {
                left = gt + 1;
            } else {
                return pivot;
            }
        }
        return a[k];
    }

    private static float medianOfThree(float a, float b, float c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    private static double percentileInPlace(float[] values, double p) {
        if (values.length == 0) {
            throw new IllegalArgumentException("percentile of no values");
        }
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + p);
        }
        Arrays.sort(values);
        double h = (values.length - 1) * (p / 100.0);
        int lo = (int) Math.floor(h);
        if (lo >= values.length - 1) {
            return values[values.length - 1];
        }
        double frac = h - lo;
        return values[lo] + frac * ((double) values[lo + 1] - values[lo]);
    }
}
