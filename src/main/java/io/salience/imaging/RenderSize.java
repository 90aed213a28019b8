package io.salience.imaging;

/** The size {@link SaliencyRenderer} draws at. */
public enum RenderSize {
    /** The model's input size; overlays use the resized input image. */
    MODEL,
    /** The uploaded image's size; the map is resized bilinearly and overlays use the original. */
    ORIGINAL
}
