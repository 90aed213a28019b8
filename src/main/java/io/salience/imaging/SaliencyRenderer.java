package io.salience.imaging;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Objects;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Draws a {@link NormalizedSaliency} as a PNG.
 *
 * <p>A map whose resolution differs from the target size (e.g. a 7x7 Grad-CAM map) is resized to it
 * bilinearly with half-pixel centres ({@link ResizeMethod#BILINEAR}). Each value {@code v} in [0, 1]
 * selects colour-map entry {@link ColorMap#index(double)}. OVERLAY blends per channel {@code
 * round((1 - alpha) * image + alpha * colour)}; HEATMAP writes the colours alone (RGB PNG); GRAY
 * writes the entry index as an 8-bit grey PNG. Stateless and thread-safe.
 */
public final class SaliencyRenderer {

    private SaliencyRenderer() {}

    /**
     * Renders {@code saliency} as PNG bytes.
     *
     * @param original the uploaded image (background and size for {@link RenderSize#ORIGINAL})
     * @param modelInput the input resized to the model's size, e.g. {@link PreparedImage#resized()}
     *     (background and size for {@link RenderSize#MODEL})
     */
    public static byte[] render(
            NormalizedSaliency saliency, BufferedImage original, BufferedImage modelInput, RenderOptions options) {
        return render(saliency, null, original, modelInput, options);
    }

    /**
     * Renders {@code saliency} as PNG bytes; {@link RenderMode#SEGMENTS} draws {@code outline}.
     *
     * @param outline the segments to outline, or null when the method has none (then SEGMENTS is refused)
     */
    public static byte[] render(
            NormalizedSaliency saliency,
            SegmentOutline outline,
            BufferedImage original,
            BufferedImage modelInput,
            RenderOptions options) {
        return encodePng(draw(saliency, outline, original, modelInput, options));
    }

    /**
     * Renders {@code saliency} as PNG into {@code out} (not closed), as {@link #render(NormalizedSaliency,
     * SegmentOutline, BufferedImage, BufferedImage, RenderOptions)} does, without a byte array in between. The picture
     * is drawn (and any argument error thrown) before the first byte is written.
     */
    public static void render(
            NormalizedSaliency saliency,
            SegmentOutline outline,
            BufferedImage original,
            BufferedImage modelInput,
            RenderOptions options,
            OutputStream out)
            throws IOException {
        encodePng(draw(saliency, outline, original, modelInput, options), out);
    }

    private static BufferedImage draw(
            NormalizedSaliency saliency,
            SegmentOutline outline,
            BufferedImage original,
            BufferedImage modelInput,
            RenderOptions options) {
        Objects.requireNonNull(options, "options must not be null");
        BufferedImage background =
                switch (options.size()) {
                    case MODEL -> Objects.requireNonNull(modelInput, "model input image must not be null");
                    case ORIGINAL -> Objects.requireNonNull(original, "original image must not be null");
                };
        if (options.mode() == RenderMode.SEGMENTS) {
            return renderSegments(outline, background);
        }
        return renderImage(saliency, background, options);
    }

    /** The colour of segment outlines (as {@code skimage.segmentation.mark_boundaries}). */
    public static final int OUTLINE_RGB = 0xFFFF00;

    /**
     * Draws the outlines of the highlighted segments over {@code background} (TYPE_INT_RGB, its size). Labels are
     * mapped to the background's size by nearest neighbour; a pixel is on an outline when it belongs to a highlighted
     * segment and one of its four neighbours does not belong to the same segment.
     */
    public static BufferedImage renderSegments(SegmentOutline outline, BufferedImage background) {
        if (outline == null) {
            throw new IllegalArgumentException("render=segments needs a segment-based method");
        }
        Objects.requireNonNull(background, "background image must not be null");
        int width = background.getWidth();
        int height = background.getHeight();
        Segmentation seg = outline.segmentation();
        int[] labels = new int[width * height];
        for (int y = 0; y < height; y++) {
            int sy = Math.min(seg.height() - 1, (int) ((y + 0.5) * seg.height() / height));
            for (int x = 0; x < width; x++) {
                int sx = Math.min(seg.width() - 1, (int) ((x + 0.5) * seg.width() / width));
                labels[y * width + x] = seg.label(sx, sy);
            }
        }
        boolean[] chosen = new boolean[seg.count()];
        for (int l : outline.highlighted()) {
            chosen[l] = true;
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] pixels = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        RgbConverter.toIntRgb(background).getRGB(0, 0, width, height, pixels, 0, width);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int l = labels[y * width + x];
                if (chosen[l]
                        && ((x > 0 && labels[y * width + x - 1] != l)
                                || (x < width - 1 && labels[y * width + x + 1] != l)
                                || (y > 0 && labels[(y - 1) * width + x] != l)
                                || (y < height - 1 && labels[(y + 1) * width + x] != l))) {
                    pixels[y * width + x] = OUTLINE_RGB;
                }
            }
        }
        return out;
    }

    /**
     * Renders {@code saliency} at the size of {@code background} ({@code options.size()} is not
     * used). The result is TYPE_BYTE_GRAY for {@link RenderMode#GRAY}, TYPE_INT_RGB otherwise.
     */
    public static BufferedImage renderImage(
            NormalizedSaliency saliency, BufferedImage background, RenderOptions options) {
        Objects.requireNonNull(saliency, "saliency must not be null");
        Objects.requireNonNull(background, "background image must not be null");
        Objects.requireNonNull(options, "options must not be null");
        int width = background.getWidth();
        int height = background.getHeight();
        float[] values = saliency.values();
        int mapWidth = saliency.width();
        Resampler.RowSource source = (y, row) -> System.arraycopy(values, y * mapWidth, row, 0, mapWidth);
        ColorMap colorMap = options.colorMap();
        return switch (options.mode()) {
            case GRAY -> {
                BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
                byte[] pixels = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
                mapRows(saliency, source, width, height, (y, row) -> {
                    for (int x = 0; x < width; x++) {
                        pixels[y * width + x] = (byte) ColorMap.index(row[x]);
                    }
                });
                yield out;
            }
            case HEATMAP -> {
                BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
                int[] pixels = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
                mapRows(saliency, source, width, height, (y, row) -> {
                    for (int x = 0; x < width; x++) {
                        pixels[y * width + x] = colorMap.rgb(row[x]);
                    }
                });
                yield out;
            }
            case OVERLAY -> {
                BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
                int[] pixels = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
                Raster base = RgbConverter.toIntRgb(background).getRaster();
                int[] baseRow = new int[width];
                double alpha = options.alpha();
                mapRows(saliency, source, width, height, (y, row) -> {
                    base.getDataElements(0, y, width, 1, baseRow);
                    for (int x = 0; x < width; x++) {
                        pixels[y * width + x] = blend(baseRow[x], colorMap.rgb(row[x]), alpha);
                    }
                });
                yield out;
            }
            case SEGMENTS -> throw new IllegalArgumentException(
                    "render=segments draws segments, not a map: use renderSegments");
        };
    }

    /** Encodes an image as PNG with ImageIO's PNG writer. */
    public static byte[] encodePng(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            encodePng(image, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e);
        }
        return bytes.toByteArray();
    }

    /** Encodes an image as PNG with ImageIO's PNG writer into {@code target} (not closed). */
    public static void encodePng(BufferedImage image, OutputStream target) throws IOException {
        Objects.requireNonNull(image, "image must not be null");
        Objects.requireNonNull(target, "output must not be null");
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no PNG writer available");
        }
        ImageWriter writer = writers.next();
        // closing the image stream flushes it into target and leaves target open
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(target)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), writer.getDefaultWriteParam());
        } finally {
            writer.dispose();
        }
    }

    /** Feeds the map's rows at the target size, resizing bilinearly when the sizes differ. */
    private static void mapRows(
            NormalizedSaliency saliency, Resampler.RowSource source, int width, int height, Resampler.RowSink sink) {
        if (saliency.width() == width && saliency.height() == height) {
            float[] row = new float[width];
            for (int y = 0; y < height; y++) {
                source.read(y, row);
                sink.accept(y, row);
            }
        } else {
            Resampler.resize(
                    source, saliency.width(), saliency.height(), 1, width, height, ResizeMethod.BILINEAR, sink);
        }
    }

    private static int blend(int base, int colour, double alpha) {
        double keep = 1.0 - alpha;
        int r = (int) (keep * ((base >> 16) & 0xFF) + alpha * ((colour >> 16) & 0xFF) + 0.5);
        int g = (int) (keep * ((base >> 8) & 0xFF) + alpha * ((colour >> 8) & 0xFF) + 0.5);
        int b = (int) (keep * (base & 0xFF) + alpha * (colour & 0xFF) + 0.5);
        return (r << 16) | (g << 8) | b;
    }
}
