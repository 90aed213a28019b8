package io.salience.imaging;

import java.util.Objects;

/**
 * Options of {@link SaliencyNormalizer}.
 *
 * @param reduce how channels are reduced per pixel
 * @param clipPercentile percentile in (0, 100] of the reduced magnitudes that maps to 1; larger
 *     values are clipped (100 = scale by the maximum, no clipping)
 */
public record NormalizationOptions(SaliencyReduction reduce, double clipPercentile) {

    /** Default clip percentile. */
    public static final double DEFAULT_CLIP_PERCENTILE = 99.5;

    /** MAX_ABS with the 99.5th percentile. */
    public static final NormalizationOptions DEFAULT =
            new NormalizationOptions(SaliencyReduction.MAX_ABS, DEFAULT_CLIP_PERCENTILE);

    /** Validates the options. */
    public NormalizationOptions {
        Objects.requireNonNull(reduce, "reduce must not be null");
        if (!(clipPercentile > 0 && clipPercentile <= 100)) {
            throw new IllegalArgumentException("clip percentile must be in (0, 100], got " + clipPercentile);
        }
    }
}
