package io.salience.imaging;

import java.util.Objects;

/**
 * A saliency map reduced to one channel and scaled to [0, 1] by {@link SaliencyNormalizer}.
 *
 * @param values {@code height * width} values in [0, 1], row-major (not copied)
 * @param height map height
 * @param width map width
 * @param options the reduction and clip percentile used
 * @param clipValue the reduced magnitude that maps to 1 (MAX_ABS) or to 0 and 1 (SIGNED, as minus
 *     and plus); 0 for an all-zero map
 * @param rawMin smallest value of the raw map over all channels
 * @param rawMax largest value of the raw map over all channels
 */
public record NormalizedSaliency(
        float[] values,
        int height,
        int width,
        NormalizationOptions options,
        double clipValue,
        double rawMin,
        double rawMax) {

    /** Validates the shape. */
    public NormalizedSaliency {
        Objects.requireNonNull(values, "values must not be null");
        Objects.requireNonNull(options, "options must not be null");
        if (height < 1 || width < 1 || (long) height * width != values.length) {
            throw new IllegalArgumentException("map of length " + values.length + " is not " + height + "x" + width);
        }
    }
}
