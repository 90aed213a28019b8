package io.salience.imaging;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
 * <p>Before any decoder sees the bytes, {@link ImageScreen} checks their structure (format from the magic bytes,
 * PNG chunks and CRCs, JPEG markers and scan count, GIF blocks and frame count, TIFF directories): metadata chunks
 * are never inflated, a scan bomb never reaches the JPEG decoder, and truncated or damaged files are refused. A
 * decoder warning (premature end of data, corrupt entropy data) fails the decode too, so a damaged image is never
 * answered with made-up pixels. CMYK and YCCK JPEGs are refused. A decode can be aborted from another thread
 * ({@link Abort}).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ImageDecoder {

    /** Default pixel limit: 40 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
    /** Default limit of JPEG scans: progressive JPEGs from common encoders have about 10. */
    public static final int DEFAULT_MAX_JPEG_SCANS = 32;
    /** Default limit of GIF frames and TIFF directories (only the first is read). */
    public static final int DEFAULT_MAX_FRAMES = 256;

    private final long maxPixels;
    private final ImageScreen screen;

    /** A decoder with the default limits. */
    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /** A decoder that rejects images whose width * height exceeds {@code maxPixels} (at least 1). */
    public ImageDecoder(long maxPixels) {
        this(maxPixels, DEFAULT_MAX_JPEG_SCANS, DEFAULT_MAX_FRAMES);
    }

    /**
     * A decoder with explicit limits.
     *
     * @param maxPixels largest width * height, at least 1
     * @param maxJpegScans most scans of a JPEG, at least 1
     * @param maxFrames most GIF frames or TIFF directories, at least 1
     */
    public ImageDecoder(long maxPixels, int maxJpegScans, int maxFrames) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maximum pixel count must be at least 1, got " + maxPixels);
        }
        if (maxJpegScans < 1 || maxFrames < 1) {
            throw new IllegalArgumentException("scan and frame limits must be at least 1");
        }
        this.maxPixels = maxPixels;
        this.screen = new ImageScreen(maxJpegScans, maxFrames);
    }

    /** The configured pixel limit. */
    public long maxPixels() {
        return maxPixels;
    }

    /**
     * Lets another thread stop a decode: {@link #abort()} asks the reader to stop at its next check and makes the
     * decode fail. Thread-safe.
     */
    public static final class Abort {
        private volatile ImageReader reader;
        private volatile boolean aborted;

        /**
         * Stops the decode this was passed to, as soon as the reader checks (best effort: the JDK's JPEG reader
         * refuses calls from other threads while it decodes, so a JPEG decode runs on, bounded by the scan and pixel
         * limits, and its result is thrown away).
         */
        public void abort() {
            aborted = true;
            ImageReader r = reader;
            if (r != null) {
                try {
                    r.abort();
                } catch (IllegalStateException lockedByTheDecodingThread) {
                    // the decode's own result is discarded
                }
            }
        }

        /** Whether {@link #abort()} was called. */
        public boolean aborted() {
            return aborted;
        }

        void attach(ImageReader r) {
            reader = r;
            if (aborted) {
                r.abort();
            }
        }
    }

    /**
     * Decodes the first image in {@code bytes}.
     *
     * @throws UnsupportedImageFormatException when the bytes are empty or not in a supported format
     * @throws ImageTooLargeException when the declared width * height exceeds the pixel limit
     * @throws ImageDecodeException when the bytes are in a supported format but cannot be decoded
     */
    public DecodedImage decode(byte[] bytes) {
        return decode(bytes, maxPixels, new Abort());
    }

    /**
     * Decodes the first image in {@code bytes} under a pixel limit of its own (never above this decoder's).
     *
     * @param bytes the upload
     * @param pixelLimit the largest width * height for this decode; this decoder's limit if larger
     * @param abort lets another thread stop the decode
     * @throws UnsupportedImageFormatException when the bytes are empty or not in a supported format
     * @throws ImageTooLargeException when the declared width * height exceeds the pixel limit
     * @throws ImageDecodeException when the bytes are in a supported format but cannot be decoded, or the decode
     *     was aborted
     */
    public DecodedImage decode(byte[] bytes, long pixelLimit, Abort abort) {
        if (bytes == null) {
            throw new IllegalArgumentException("image bytes must not be null");
        }
        if (bytes.length == 0) {
            throw new UnsupportedImageFormatException("The upload is empty");
        }
        ImageFormat format = ImageScreen.sniff(bytes)
                .orElseThrow(
                        () -> new UnsupportedImageFormatException("The upload is not an image in a supported format"));
        byte[] screened = screen.screen(bytes, format);
        long limit = Math.min(Math.max(1, pixelLimit), maxPixels);
        try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(screened))) {
            ImageReader reader = findReader(format);
            try {
                abort.attach(reader);
                return new DecodedImage(read(reader, input, format, limit, abort), format);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            // Only close() can get here; the bytes are in memory.
            throw new ImageDecodeException("The image could not be read", e);
        }
    }

    private static ImageReader findReader(ImageFormat format) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.name());
        if (!readers.hasNext()) {
            throw new UnsupportedImageFormatException("No reader for " + format + " is installed");
        }
        return readers.next();
    }

    private BufferedImage read(
            ImageReader reader, ImageInputStream input, ImageFormat format, long limit, Abort abort) {
        int width;
        int height;
        List<String> warnings = new ArrayList<>();
        try {
            reader.setInput(input, true, true);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException("The " + format + " header could not be read", e);
        }
        if (width < 1 || height < 1) {
            throw new ImageDecodeException("The " + format + " header declares an empty image");
        }
        if ((long) width * height > limit) {
            throw new ImageTooLargeException(width, height, limit);
        }
        BufferedImage image;
        try {
            ImageReadParam param = reader.getDefaultReadParam();
            image = reader.read(0, param);
        } catch (IOException | RuntimeException e) {
            if (abort.aborted()) {
                throw new ImageDecodeException("The decode was stopped", e);
            }
            throw new ImageDecodeException("The " + format + " image data could not be decoded", e);
        }
        if (abort.aborted()) {
            throw new ImageDecodeException("The decode was stopped");
        }
        if (!warnings.isEmpty()) {
            throw new ImageDecodeException("The " + format + " image data is damaged: " + clientSafe(warnings.get(0)));
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

    /** A decoder's warning, shortened and stripped of anything but printable ASCII. */
    private static String clientSafe(String warning) {
        String s = warning == null ? "" : warning.replaceAll("[^\\x20-\\x7E]", "?");
        return s.length() > 200 ? s.substring(0, 200) : s;
    }
}
