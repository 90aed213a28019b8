package io.salience.imaging;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.util.List;
import java.util.Objects;

/**
 * Turns an image into a model input tensor following a {@link PreprocessSpec}:
 *
 * <ol>
 *   <li>colour conversion to the spec's channel order on float values 0..255 (GRAYSCALE = {@code
 *       0.299 R + 0.587 G + 0.114 B}, not rounded);
 *   <li>resize to the spec's width x height with its {@link ResizeMethod} (float arithmetic, no
 *       rounding to 8 bits);
 *   <li>the {@link ValueStep}s in order.
 * </ol>
 *
 * <p>The overloads taking {@link ResizePrecision#UINT8} instead round steps 1 and 2 to integers as
 * 8-bit pipelines (OpenCV, PIL) do; whether a model needs that is a property of how it was trained.
 *
 * <p>The tensor is NHWC without the batch axis: {@code height * width * channels} floats, index
 * {@code (y * width + x) * channels + c}. Any {@link BufferedImage} type is accepted; non-RGB types
 * are first converted as {@link ImageDecoder} does. Stateless and thread-safe.
 */
public final class Preprocessor {

    private Preprocessor() {}

    /** The model input tensor for {@code image}, resized in {@link ResizePrecision#FLOAT}. */
    public static float[] apply(BufferedImage image, PreprocessSpec spec) {
        return apply(image, spec, ResizePrecision.FLOAT);
    }

    /** The model input tensor for {@code image}, converted and resized in {@code precision}. */
    public static float[] apply(BufferedImage image, PreprocessSpec spec, ResizePrecision precision) {
        Objects.requireNonNull(image, "image must not be null");
        Objects.requireNonNull(spec, "spec must not be null");
        Objects.requireNonNull(precision, "precision must not be null");
        BufferedImage rgb = RgbConverter.toIntRgb(image);
        float[] tensor = resize(rgb, spec.colorMode(), spec.width(), spec.height(), spec.resize(), precision);
        applySteps(tensor, spec.height(), spec.width(), spec.channels(), spec.steps());
        return tensor;
    }

    /** {@link #prepare(BufferedImage, PreprocessSpec, ResizePrecision)} in {@link ResizePrecision#FLOAT}. */
    public static PreparedImage prepare(BufferedImage image, PreprocessSpec spec) {
        return prepare(image, spec, ResizePrecision.FLOAT);
    }

    /**
     * The model input tensor (as {@link #apply(BufferedImage, PreprocessSpec, ResizePrecision)})
     * together with the resized RGB image (for overlays).
     */
    public static PreparedImage prepare(BufferedImage image, PreprocessSpec spec, ResizePrecision precision) {
        Objects.requireNonNull(image, "image must not be null");
        Objects.requireNonNull(spec, "spec must not be null");
        Objects.requireNonNull(precision, "precision must not be null");
        BufferedImage rgb = RgbConverter.toIntRgb(image);
        int w = spec.width();
        int h = spec.height();
        float[] resizedRgb = resize(rgb, ColorMode.RGB, w, h, spec.resize(), precision);
        BufferedImage resized = toImage(resizedRgb, w, h);
        float[] tensor =
                switch (spec.colorMode()) {
                    case RGB -> resizedRgb;
                        // Reordering channels commutes exactly with resizing.
                    case BGR -> swapRedBlue(resizedRgb);
                    case GRAYSCALE -> resize(rgb, ColorMode.GRAYSCALE, w, h, spec.resize(), precision);
                };
        applySteps(tensor, h, w, spec.channels(), spec.steps());
        return new PreparedImage(tensor, resized, spec);
    }

    /**
     * {@code image} resized to {@code width} x {@code height} with {@code method}, rounded to 8-bit
     * RGB (TYPE_INT_RGB).
     */
    public static BufferedImage resizeRgb(BufferedImage image, int width, int height, ResizeMethod method) {
        Objects.requireNonNull(image, "image must not be null");
        Objects.requireNonNull(method, "resize method must not be null");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        BufferedImage rgb = RgbConverter.toIntRgb(image);
        return toImage(resize(rgb, ColorMode.RGB, width, height, method, ResizePrecision.FLOAT), width, height);
    }

    /**
     * Applies {@code steps} in place to an HWC tensor of {@code height * width * channels} floats.
     *
     * @throws IllegalArgumentException when the length or a step's per-channel length does not match
     */
    public static void applySteps(float[] tensor, int height, int width, int channels, List<ValueStep> steps) {
        Objects.requireNonNull(tensor, "tensor must not be null");
        Objects.requireNonNull(steps, "steps must not be null");
        if (height < 1 || width < 1 || channels < 1 || (long) height * width * channels != tensor.length) {
            throw new IllegalArgumentException(
                    "tensor of length " + tensor.length + " is not " + height + "x" + width + "x" + channels);
        }
        for (ValueStep step : steps) {
            step.apply(tensor, height, width, channels);
        }
    }

    private static float[] resize(
            BufferedImage rgb, ColorMode mode, int width, int height, ResizeMethod method, ResizePrecision precision) {
        int inWidth = rgb.getWidth();
        int inHeight = rgb.getHeight();
        int channels = mode.channels();
        Raster raster = rgb.getRaster();
        int[] pixels = new int[inWidth];
        boolean uint8 = precision == ResizePrecision.UINT8;
        Resampler.RowSource source = (y, row) -> {
            raster.getDataElements(0, y, inWidth, 1, pixels);
            toFloats(pixels, mode, uint8, row);
        };
        if (!uint8) {
            return Resampler.resize(source, inWidth, inHeight, channels, width, height, method);
        }
        if (method == ResizeMethod.BILINEAR) {
            return OpenCvLinear8.resize(source, inWidth, inHeight, channels, width, height);
        }
        float[] out = Resampler.resize(source, inWidth, inHeight, channels, width, height, method);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.min(255.0, Math.max(0.0, Math.rint(out[i])));
        }
        return out;
    }

    /**
     * Packed 0xRRGGBB pixels to interleaved floats in the mode's channel order; with {@code uint8}
     * grey is rounded as PIL's {@code convert("L")} does.
     */
    private static void toFloats(int[] pixels, ColorMode mode, boolean uint8, float[] row) {
        switch (mode) {
            case RGB -> {
                for (int x = 0, i = 0; x < pixels.length; x++, i += 3) {
                    int p = pixels[x];
                    row[i] = (p >> 16) & 0xFF;
                    row[i + 1] = (p >> 8) & 0xFF;
                    row[i + 2] = p & 0xFF;
                }
            }
            case BGR -> {
                for (int x = 0, i = 0; x < pixels.length; x++, i += 3) {
                    int p = pixels[x];
                    row[i] = p & 0xFF;
                    row[i + 1] = (p >> 8) & 0xFF;
                    row[i + 2] = (p >> 16) & 0xFF;
                }
            }
            case GRAYSCALE -> {
                for (int x = 0; x < pixels.length; x++) {
                    int p = pixels[x];
                    int r = (p >> 16) & 0xFF;
                    int g = (p >> 8) & 0xFF;
                    int b = p & 0xFF;
                    row[x] = uint8
                            ? (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16
                            : (float) (0.299 * r + 0.587 * g + 0.114 * b);
                }
            }
            default -> throw new IllegalArgumentException("unknown colour mode " + mode);
        }
    }

    private static float[] swapRedBlue(float[] rgb) {
        float[] bgr = new float[rgb.length];
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        return bgr;
    }

    /** Interleaved RGB floats to TYPE_INT_RGB, rounding half up and clamping to 0..255. */
    static BufferedImage toImage(float[] rgb, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] out = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        for (int p = 0, i = 0; p < out.length; p++, i += 3) {
            out[p] = (to8Bit(rgb[i]) << 16) | (to8Bit(rgb[i + 1]) << 8) | to8Bit(rgb[i + 2]);
        }
        return image;
    }

    private static int to8Bit(float v) {
        int i = (int) Math.floor(v + 0.5f);
        return i < 0 ? 0 : Math.min(i, 255);
    }
}
