package io.salience.imaging;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes uploaded image bytes (PNG, JPEG, BMP, GIF, TIFF) into a {@link DecodedImage}.
 *
 * <p>The format is detected from the bytes themselves. The declared width and height are read from
 * the header and checked against the pixel limit before any pixel data is decompressed, so small
 * files declaring huge images ("decompression bombs") are rejected cheaply. Only the first image of
 * a multi-image file (animated GIF, multi-page TIFF) is read.
 *
 * <p>Pixels are normalised to TYPE_INT_RGB as OpenCV and PIL read them: stored samples are used as
 * they are (embedded colour profiles are not applied), grey is replicated to R = G = B, 16-bit
 * samples are scaled to 8 bits ({@code round(v * 255 / 65535)}) and transparency is composited on a
 * white background ({@code c * a + 255 * (1 - a)}). EXIF orientation is not applied.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ImageDecoder {

    /** Default pixel limit: 40 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    private final long maxPixels;

    /** A decoder with the default limit of {@value #DEFAULT_MAX_PIXELS} pixels. */
    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /** A decoder that rejects images whose width * height exceeds {@code maxPixels} (at least 1). */
    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maximum pixel count must be at least 1, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
    }

    /** The configured pixel limit. */
    public long maxPixels() {
        return maxPixels;
    }

    /**
     * Decodes the first image in {@code bytes}.
     *
     * @throws UnsupportedImageFormatException when the bytes are empty or not in a supported format
     * @throws ImageTooLargeException when the declared width * height exceeds the pixel limit
     * @throws ImageDecodeException when the bytes are in a supported format but cannot be decoded
     */
    public DecodedImage decode(byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("image bytes must not be null");
        }
        if (bytes.length == 0) {
            throw new UnsupportedImageFormatException("The upload is empty");
        }
        try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Optional<ImageReader> found = findReader(input);
            if (found.isEmpty()) {
                throw new UnsupportedImageFormatException("The upload is not an image in a supported format");
            }
            ImageReader reader = found.get();
            ImageFormat format =
                    ImageFormat.fromImageIoName(reader.getFormatName()).orElseThrow();
            try {
                return new DecodedImage(read(reader, input, format), format);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            // Only close() or reader detection can get here; the bytes are in memory.
            throw new ImageDecodeException("The image could not be read", e);
        }
    }

    private static Optional<ImageReader> findReader(ImageInputStream input) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            try {
                if (ImageFormat.fromImageIoName(reader.getFormatName()).isPresent()) {
                    return Optional.of(reader);
                }
            } catch (IOException e) {
                // A reader that cannot even name its format is skipped.
            }
            reader.dispose();
        }
        return Optional.empty();
    }

    private BufferedImage read(ImageReader reader, ImageInputStream input, ImageFormat format) {
        int width;
        int height;
        try {
            reader.setInput(input, true, false);
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException("The " + format + " header could not be read", e);
        }
        if (width < 1 || height < 1) {
            throw new ImageDecodeException("The " + format + " header declares an empty image");
        }
        if ((long) width * height > maxPixels) {
            throw new ImageTooLargeException(width, height, maxPixels);
        }
        BufferedImage image;
        try {
            ImageReadParam param = reader.getDefaultReadParam();
            image = reader.read(0, param);
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException("The " + format + " image data could not be decoded", e);
        }
        if (image == null || image.getWidth() != width || image.getHeight() != height) {
            throw new ImageDecodeException("The " + format + " image data does not match its header");
        }
        try {
            return RgbConverter.toIntRgb(image);
        } catch (RuntimeException e) {
            throw new ImageDecodeException("The " + format + " image uses an unsupported pixel layout", e);
        }
    }
}
