package io.salience.imaging;

import boofcv.abst.segmentation.ImageSuperpixels;
import boofcv.factory.segmentation.ConfigFh04;
import boofcv.factory.segmentation.ConfigSlic;
import boofcv.factory.segmentation.FactoryImageSegmentation;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayS32;
import boofcv.struct.image.ImageType;
import boofcv.struct.image.Planar;
import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.Map;

/**
 * Superpixel segmentation of an RGB picture with BoofCV: SLIC (Achanta et al. 2012) and the graph-based method of
 * Felzenszwalb and Huttenlocher (2004). Both run on the 0..255 RGB values of the picture, not on the model's input
 * tensor. Deterministic and thread-safe (a new segmenter per call). Quickshift, the {@code lime} package's default,
 * has no maintained Java implementation and is not offered.
 */
public final class Superpixels {

    /** Default SLIC spatial weight (BoofCV's; colour distances are in 0..255 units). */
    public static final float SLIC_SPATIAL_WEIGHT = 200f;

    /** Default Felzenszwalb–Huttenlocher scale {@code k} for 0..255 RGB values (BoofCV's default). */
    public static final float FH_DEFAULT_K = 300f;

    /** The segmentation algorithms. */
    public enum Algorithm {
        /** SLIC: k-means in colour and position, about the requested number of segments. */
        SLIC,
        /** Felzenszwalb–Huttenlocher: graph merges by colour difference; the count follows the image. */
        FELZENSZWALB
    }

    private Superpixels() {}

    /**
     * Segments a picture into about {@code segments} superpixels. For Felzenszwalb–Huttenlocher, which has no target
     * count, the smallest segment is {@code width * height / (2 * segments)} pixels and {@code k} is
     * {@link #FH_DEFAULT_K}.
     */
    public static Segmentation segment(BufferedImage image, Algorithm algorithm, int segments) {
        if (segments < 1) {
            throw new IllegalArgumentException("segments must be at least 1, got " + segments);
        }
        return switch (algorithm) {
            case SLIC -> slic(image, segments, SLIC_SPATIAL_WEIGHT);
            case FELZENSZWALB -> felzenszwalb(
                    image, FH_DEFAULT_K, Math.max(1, image.getWidth() * image.getHeight() / (2 * segments)));
        };
    }

    /**
     * SLIC superpixels.
     *
     * @param regions the requested number of regions (the result may have somewhat fewer or more)
     * @param spatialWeight weight of position against colour (BoofCV: 200 for 0..255 colour)
     */
    public static Segmentation slic(BufferedImage image, int regions, float spatialWeight) {
        ConfigSlic config = new ConfigSlic(regions, spatialWeight);
        return run(FactoryImageSegmentation.slic(config, ImageType.pl(3, GrayF32.class)), image);
    }

    /**
     * Felzenszwalb–Huttenlocher segmentation.
     *
     * @param k the scale: larger values give larger segments (on 0..255 colour differences)
     * @param minSize segments smaller than this are merged into a neighbour
     */
    public static Segmentation felzenszwalb(BufferedImage image, float k, int minSize) {
        ConfigFh04 config = new ConfigFh04(k, minSize);
        return run(FactoryImageSegmentation.fh04(config, ImageType.pl(3, GrayF32.class)), image);
    }

    private static Segmentation run(ImageSuperpixels<Planar<GrayF32>> alg, BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Planar<GrayF32> planar = new Planar<>(GrayF32.class, w, h, 3);
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = rgb[y * w + x];
                planar.getBand(0).unsafe_set(x, y, (p >> 16) & 0xFF);
                planar.getBand(1).unsafe_set(x, y, (p >> 8) & 0xFF);
                planar.getBand(2).unsafe_set(x, y, p & 0xFF);
            }
        }
        GrayS32 out = new GrayS32(w, h);
        alg.segment(planar, out);
        int[] labels = new int[w * h];
        for (int y = 0; y < h; y++) {
            System.arraycopy(out.data, out.startIndex + y * out.stride, labels, y * w, w);
        }
        return compact(labels, w, h);
    }

    /** Renumbers labels to {@code 0..count-1} in order of first appearance (row-major). */
    static Segmentation compact(int[] labels, int w, int h) {
        Map<Integer, Integer> ids = new HashMap<>();
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = ids.computeIfAbsent(labels[i], k -> ids.size());
        }
        return new Segmentation(out, w, h, ids.size());
    }
}
