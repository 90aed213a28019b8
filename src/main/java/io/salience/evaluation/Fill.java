package io.salience.evaluation;

import io.salience.imaging.GaussianFilter;
import java.util.Arrays;

/**
 * What a removed pixel becomes in the deletion curve, and the canvas the insertion curve starts from. Values are in
 * the model's input space (after preprocessing), all channels of a pixel at once.
 */
public enum Fill {
    /** The smallest value of the input tensor, as Quantus's {@code perturb_baseline="black"}. */
    BLACK,
    /** The mean of the input tensor over all values, as Quantus's {@code "mean"}. */
    MEAN,
    /**
     * The input blurred per channel by a Gaussian of sigma {@code 5 * side / 224} (at least 1; Petsiuk et al. used
     * sigma 5 at 224 for insertion), edges repeated outward.
     */
    BLUR;

    /** The filled tensor, same layout as {@code input} ({@code [h, w, c]}). */
    public float[] apply(float[] input, int height, int width, int channels) {
        return switch (this) {
            case BLACK -> {
                float min = Float.POSITIVE_INFINITY;
                for (float v : input) {
                    min = Math.min(min, v);
                }
                float[] out = new float[input.length];
                Arrays.fill(out, min);
                yield out;
            }
            case MEAN -> {
                double sum = 0;
                for (float v : input) {
                    sum += v;
                }
                float[] out = new float[input.length];
                Arrays.fill(out, (float) (sum / input.length));
                yield out;
            }
            case BLUR -> GaussianFilter.blurClamped(input, height, width, channels, sigma(height, width));
        };
    }

    /** The blur's sigma for an input of that size. */
    public static double sigma(int height, int width) {
        return Math.max(1.0, 5.0 * Math.min(height, width) / 224.0);
    }
}
