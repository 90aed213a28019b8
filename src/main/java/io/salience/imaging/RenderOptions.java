package io.salience.imaging;

import java.util.Objects;

/**
 * Options of {@link SaliencyRenderer}.
 *
 * @param mode what to draw
 * @param colorMap colour map for OVERLAY and HEATMAP (ignored by GRAY)
 * @param alpha weight of the colour-mapped saliency in OVERLAY, in [0, 1]: {@code out = (1 - alpha) *
 *     image + alpha * colour}
 * @param size the output size
 */
public record RenderOptions(RenderMode mode, ColorMap colorMap, double alpha, RenderSize size) {

    /** Default overlay opacity. */
    public static final double DEFAULT_ALPHA = 0.5;

    /** OVERLAY, VIRIDIS, alpha 0.5, MODEL size. */
    public static final RenderOptions DEFAULT =
            new RenderOptions(RenderMode.OVERLAY, ColorMap.VIRIDIS, DEFAULT_ALPHA, RenderSize.MODEL);

    /** Validates the options. */
    public RenderOptions {
        Objects.requireNonNull(mode, "render mode must not be null");
        Objects.requireNonNull(colorMap, "colour map must not be null");
        Objects.requireNonNull(size, "render size must not be null");
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
    }
}
