package io.salience.imaging;

/**
 * Arithmetic of the colour conversion and resize steps of {@link Preprocessor}; the value steps
 * always run in float.
 */
public enum ResizePrecision {
    /**
     * Float throughout, no rounding: as {@code tf.image.resize} and {@code cv2.resize} on float32
     * images. The default.
     */
    FLOAT,
    /**
     * 8-bit, as pipelines that resize uint8 arrays ({@code cv2.imread} + {@code cv2.resize}, PIL):
     * converted values are rounded to integers 0..255 before resizing and the resized values are
     * rounded too. BILINEAR reproduces OpenCV's fixed-point {@code INTER_LINEAR} bit for bit (checked
     * against {@code cv2.resize} on the 250 shared MRI slices at 64, 96 and 240 pixels) and NEAREST is
     * exact; AREA and BICUBIC round the float result half to even, which can differ from OpenCV by 1
     * on about 0.1% of values (AREA) or fewer (BICUBIC).
     */
    UINT8
}
