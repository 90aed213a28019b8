package io.salience.model;

/**
 * A model's own request limits, from the descriptor's optional {@code limits:} mapping; 0 means the global default
 * ({@code salience.api.*}).
 *
 * @param maxPixels {@code limits.maxPixels}: the largest upload (width x height) for this model; default
 *     {@code salience.api.max-pixels-per-input-pixel} x the model's input pixels, at most {@code salience.api.max-pixels}
 * @param maxRows {@code limits.maxRows}: the most model rows (session-run inputs) one request may schedule; default
 *     {@code salience.api.max-rows}
 */
public record ModelLimits(long maxPixels, long maxRows) {

    /** Every limit at its global default. */
    public static final ModelLimits DEFAULTS = new ModelLimits(0, 0);

    /** Rejects negative limits. */
    public ModelLimits {
        if (maxPixels < 0 || maxRows < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
    }
}
