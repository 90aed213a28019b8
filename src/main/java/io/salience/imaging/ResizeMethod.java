package io.salience.imaging;

/**
 * Interpolation used to resize an image to the model's input size. All methods work on float
 * values (no rounding to 8 bits) and replicate edge pixels outside the image.
 */
public enum ResizeMethod {
    /**
     * Bilinear with half-pixel centres and no antialiasing, as OpenCV {@code INTER_LINEAR} and
     * {@code tf.image.resize(method="bilinear", antialias=False)}.
     */
    BILINEAR,
    /** Bicubic convolution with Keys' a = -0.75 and half-pixel centres, as OpenCV {@code INTER_CUBIC}. */
    BICUBIC,
    /**
     * Nearest neighbour with half-pixel centres: source index {@code floor((i + 0.5) * in / out)}, as
     * {@code tf.image.resize(method="nearest")}, PIL {@code NEAREST} and OpenCV {@code
     * INTER_NEAREST_EXACT} (OpenCV's plain {@code INTER_NEAREST} uses {@code floor(i * in / out)}).
     */
    NEAREST,
    /**
     * Pixel-area relation as OpenCV {@code INTER_AREA}: a box-filter average when shrinking along
     * both axes; otherwise OpenCV's area-based linear interpolation.
     */
    AREA
}
