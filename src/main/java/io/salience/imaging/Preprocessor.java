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
        float[] tensor = atModelSize(rgb, spec)
                ? toTensor(pixels(rgb), spec.colorMode(), precision == ResizePrecision.UINT8)
                : resize(rgb, spec.colorMode(), spec.width(), spec.height(), spec.resize(), precision);
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
        return atModelSize(rgb, spec) ? prepareDirect(rgb, spec, precision) : prepareResampled(rgb, spec, precision);
    }

    /**
     * Whether the image already has the model's size. Every {@link ResizeMethod} in either precision is then the
     * identity on 8-bit values (one tap of weight 1 per output pixel, the others 0; OpenCV's fixed-point bilinear
     * gives {@code ((v * 2048 >> 4) * 2048 >> 16) + 2 >> 2 = v}), so the resize is skipped: {@link
     * #prepareDirect} gives bit for bit what {@link #prepareResampled} gives (PreprocessorDirectPathTest).
     */
    private static boolean atModelSize(BufferedImage rgb, PreprocessSpec spec) {
        return rgb.getWidth() == spec.width() && rgb.getHeight() == spec.height();
    }

    /** The image at the model's size: decoded pixels straight to the tensor, no resize, no float RGB copy. */
    static PreparedImage prepareDirect(BufferedImage rgb, PreprocessSpec spec, ResizePrecision precision) {
        int[] pixels = pixels(rgb);
        BufferedImage resized = new BufferedImage(rgb.getWidth(), rgb.getHeight(), BufferedImage.TYPE_INT_RGB);
        int[] copy = ((DataBufferInt) resized.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < pixels.length; i++) {
            copy[i] = pixels[i] & 0xFFFFFF;
        }
        float[] tensor = toTensor(pixels, spec.colorMode(), precision == ResizePrecision.UINT8);
        applySteps(tensor, spec.height(), spec.width(), spec.channels(), spec.steps());
        return new PreparedImage(tensor, resized, spec);
    }

    /** The general path: resize (also when the sizes agree), then the steps. {@code rgb} is TYPE_INT_RGB. */
    static PreparedImage prepareResampled(BufferedImage rgb, PreprocessSpec spec, ResizePrecision precision) {
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

    /** The packed 0xRRGGBB pixels of a TYPE_INT_RGB image, row-major (a copy). */
    private static int[] pixels(BufferedImage rgb) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        return (int[]) rgb.getRaster().getDataElements(0, 0, w, h, new int[w * h]);
    }

    /** Packed pixels to the tensor in the mode's channel order, as {@link #toFloats} does row by row. */
    private static float[] toTensor(int[] pixels, ColorMode mode, boolean uint8) {
        float[] tensor = new float[pixels.length * mode.channels()];
        toFloats(pixels, pixels.length, mode, uint8, tensor);
        return tensor;
    }

    /** Only for tests: the general path of {@link #apply(BufferedImage, PreprocessSpec, ResizePrecision)}. */
    static float[] applyResampled(BufferedImage image, PreprocessSpec spec, ResizePrecision precision) {
        BufferedImage rgb = RgbConverter.toIntRgb(image);
        float[] tensor = resize(rgb, spec.colorMode(), spec.width(), spec.height(), spec.resize(), precision);
        applySteps(tensor, spec.height(), spec.width(), spec.channels(), spec.steps());
        return tensor;
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
            toFloats(pixels, inWidth, mode, uint8, row);
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
     * The first {@code count} packed 0xRRGGBB pixels to interleaved floats in the mode's channel order; with {@code
     * uint8} grey is rounded as PIL's {@code convert("L")} does.
     */
    private static void toFloats(int[] pixels, int count, ColorMode mode, boolean uint8, float[] row) {
        switch (mode) {
            case RGB -> {
                for (int x = 0, i = 0; x < count; x++, i += 3) {
                    int p = pixels[x];
                    row[i] = (p >> 16) & 0xFF;
                    row[i + 1] = (p >> 8) & 0xFF;
                    row[i + 2] = p & 0xFF;
                }
            }
            case BGR -> {
                for (int x = 0, i = 0; x < count; x++, i += 3) {
                    int p = pixels[x];
                    row[i] = p & 0xFF;
                    row[i + 1] = (p >> 8) & 0xFF;
                    row[i + 2] = (p >> 16) & 0xFF;
                }
            }
            case GRAYSCALE -> {
                for (int x = 0; x < count; x++) {
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
