package io.salience.imaging;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * A decoded upload.
 *
 * @param image the pixels, always {@link BufferedImage#TYPE_INT_RGB} with 8-bit sRGB-encoded samples
 *     (alpha composited on white, grey replicated to R = G = B, 16-bit samples scaled to 8 bits)
 * @param format the detected format (from the bytes, not from a file name or content type)
 */
public record DecodedImage(BufferedImage image, ImageFormat format) {

    /** Validates that both parts are present and the image is TYPE_INT_RGB. */
    public DecodedImage {
        Objects.requireNonNull(image, "image must not be null");
        Objects.requireNonNull(format, "format must not be null");
        if (image.getType() != BufferedImage.TYPE_INT_RGB) {
            throw new IllegalArgumentException("decoded image must be TYPE_INT_RGB");
        }
    }

    /** Width in pixels. */
    public int width() {
        return image.getWidth();
    }

    /** Height in pixels. */
    public int height() {
        return image.getHeight();
    }
}
