package io.salience.imaging;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * The result of {@link Preprocessor#prepare}: the model input and the resized picture behind it.
 *
 * @param tensor one image's model input, NHWC without the batch axis: {@code height * width *
 *     channels} floats, index {@code (y * width + x) * channels + c} (not copied)
 * @param resized the input resized to the model's width x height with the spec's method, as 8-bit
 *     RGB (TYPE_INT_RGB), for overlays
 * @param spec the spec that produced the tensor
 */
public record PreparedImage(float[] tensor, BufferedImage resized, PreprocessSpec spec) {

    /** Validates that the parts agree with the spec. */
    public PreparedImage {
        Objects.requireNonNull(tensor, "tensor must not be null");
        Objects.requireNonNull(resized, "resized image must not be null");
        Objects.requireNonNull(spec, "spec must not be null");
        if (tensor.length != spec.tensorLength()
                || resized.getWidth() != spec.width()
                || resized.getHeight() != spec.height()) {
            throw new IllegalArgumentException("tensor or resized image does not match the spec");
        }
    }
}
