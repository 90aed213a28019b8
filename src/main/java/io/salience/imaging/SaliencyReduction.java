package io.salience.imaging;

/** How a saliency map's channels are reduced to one value per pixel. */
public enum SaliencyReduction {
    /** Maximum over channels of {@code |v|}: magnitude only, result in [0, 1] with 0 = no saliency. */
    MAX_ABS,
    /** Sum over channels, keeping the sign: result in [0, 1] with 0.5 = zero, above = positive. */
    SIGNED
}
