package io.salience.evaluation;

import io.salience.attribution.SaliencyMap;
import io.salience.imaging.MapResizer;
import io.salience.imaging.ResizeMethod;
import java.util.SplittableRandom;

/** The per-pixel maps the metrics read, and the reference maps they are compared with. */
public final class PixelMaps {

    private PixelMaps() {}

    /**
     * A method's raw map as one non-negative value per input pixel: channels reduced by the maximum absolute value
     * (as the PNG's default {@code reduce=max-abs}, without its percentile clipping), and a map at a layer's
     * resolution (the CAM family) resized to the input bilinearly with half-pixel centres, as the PNG draws it.
     */
    public static float[] of(SaliencyMap map, int height, int width) {
        int c = map.channels();
        float[] v = map.values();
        float[] reduced = new float[map.height() * map.width()];
        for (int p = 0; p < reduced.length; p++) {
            float m = 0;
            for (int k = 0; k < c; k++) {
                m = Math.max(m, Math.abs(v[p * c + k]));
            }
            reduced[p] = m;
        }
        if (map.height() == height && map.width() == width) {
            return reduced;
        }
        float[] r = MapResizer.resize(reduced, map.width(), map.height(), 1, width, height, ResizeMethod.BILINEAR);
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.max(0f, r[i]);
        }
        return r;
    }

    /** A random map: independent uniform values in [0, 1) from {@code SplittableRandom(seed)}. */
    public static float[] random(int height, int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] m = new float[height * width];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) random.nextDouble();
        }
        return m;
    }

    /**
     * A centre-Gaussian map, {@code exp(-d² / (2 s²))} of the distance d from the image's centre, {@code s} a quarter
     * of the shorter side: the "the object is in the middle" prior.
     */
    public static float[] centreGaussian(int height, int width) {
        double s = Math.min(height, width) / 4.0;
        double cy = (height - 1) / 2.0;
        double cx = (width - 1) / 2.0;
        float[] m = new float[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
                m[y * width + x] = (float) Math.exp(-d2 / (2 * s * s));
            }
        }
        return m;
    }
}
