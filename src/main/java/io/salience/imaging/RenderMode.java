package io.salience.imaging;

/** What {@link SaliencyRenderer} draws. */
public enum RenderMode {
    /** The colour-mapped saliency alpha-blended over the input image. */
    OVERLAY,
    /** The colour-mapped saliency alone. */
    HEATMAP,
    /** The saliency as an 8-bit grey image (value = colour map index, 0..255). */
    GRAY,
    /** The input image with the outlines of the method's top segments (segment-based methods such as LIME). */
    SEGMENTS
}
