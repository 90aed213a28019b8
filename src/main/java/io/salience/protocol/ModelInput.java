package io.salience.protocol;

import java.awt.image.BufferedImage;

/** One image of a protocol request, in one of the three forms the protocols carry. */
public sealed interface ModelInput {

    /**
     * A tensor already preprocessed for the model: FP32, {@code [H, W, C]} at the model's input size.
     *
     * @param values row-major values
     */
    record Preprocessed(float[] values) implements ModelInput {}

    /**
     * An encoded image file (PNG, JPEG, ...), preprocessed by the model's descriptor.
     *
     * @param bytes the file
     */
    record Encoded(byte[] bytes) implements ModelInput {}

    /**
     * Raw 8-bit pixels of any size, preprocessed by the model's descriptor.
     *
     * @param image the pixels as {@link BufferedImage#TYPE_INT_RGB}
     */
    record Pixels(BufferedImage image) implements ModelInput {}
}
