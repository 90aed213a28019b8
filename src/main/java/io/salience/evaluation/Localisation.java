package io.salience.evaluation;

/**
 * Localisation metrics of a non-negative per-pixel map against a region (a boolean mask at the map's size), and the
 * border bias. "Energy" is the map's mass, the sum of its values, as Quantus's {@code RelevanceMassAccuracy} and
 * {@code AttributionLocalisation}. Stateless.
 */
public final class Localisation {

    /** The default width of the outer band of {@link #borderEnergy}, as a fraction of each side. */
    public static final double BORDER_BAND = 0.1;

    private Localisation() {}

    /**
     * The pointing game: true when a pixel holding the map's maximum is inside the region (any of them, when several
     * tie), as Quantus's {@code PointingGame}; except that a constant map (every pixel holds the maximum, e.g. an
     * all-zero Grad-CAM map) points nowhere and scores false, where Quantus would count a hit.
     */
    public static boolean pointingGame(float[] map, boolean[] region) {
        check(map, region);
        if (constant(map)) {
            return false;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float v : map) {
            max = Math.max(max, v);
        }
        for (int i = 0; i < map.length; i++) {
            if (map[i] == max && region[i]) {
                return true;
            }
        }
        return false;
    }

    /** Whether every value of the map is the same (it carries no location). */
    public static boolean constant(float[] map) {
        for (float v : map) {
            if (v != map[0]) {
                return false;
            }
        }
        return true;
    }

    /** The fraction of the map's mass inside the region; NaN for an all-zero map. */
    public static double energyInside(float[] map, boolean[] region) {
        check(map, region);
        double inside = 0;
        double total = 0;
        for (int i = 0; i < map.length; i++) {
            total += map[i];
            if (region[i]) {
                inside += map[i];
            }
        }
        return total == 0 ? Double.NaN : inside / total;
    }

    /** The region's share of the pixels: what {@link #energyInside} a constant map scores. */
    public static double areaFraction(boolean[] region) {
        int n = 0;
        for (boolean b : region) {
            if (b) {
                n++;
            }
        }
        return (double) n / region.length;
    }

    /** How many pixels the top {@code percent} % are: {@code ceil(percent / 100 * P)}, at least 1. */
    public static int topCount(int pixels, double percent) {
        return Math.max(1, Math.min(pixels, (int) Math.ceil(percent / 100.0 * pixels - 1e-9)));
    }

    /**
     * The intersection over union of the map's top {@code percent} % pixels ({@link #topCount}, ranked as
     * {@link Faithfulness#ranking}: ties by index) with the region.
     */
    public static double topIou(float[] map, boolean[] region, double percent) {
        check(map, region);
        int k = topCount(map.length, percent);
        int[] order = Faithfulness.ranking(map);
        int inter = 0;
        for (int i = 0; i < k; i++) {
            if (region[order[i]]) {
                inter++;
            }
        }
        int area = 0;
        for (boolean b : region) {
            if (b) {
                area++;
            }
        }
        return (double) inter / (k + area - inter);
    }

    /** The outer band of {@code band} of each side: {@code round(band * side)} pixels, at least 1. */
    public static boolean[] borderMask(int height, int width, double band) {
        int bh = Math.max(1, (int) Math.round(band * height));
        int bw = Math.max(1, (int) Math.round(band * width));
        boolean[] m = new boolean[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                m[y * width + x] = y < bh || y >= height - bh || x < bw || x >= width - bw;
            }
        }
        return m;
    }

    /** The fraction of the map's mass in the outer band ({@link #borderMask}); NaN for an all-zero map. */
    public static double borderEnergy(float[] map, int height, int width, double band) {
        return energyInside(map, borderMask(height, width, band));
    }

    private static void check(float[] map, boolean[] region) {
        if (map.length != region.length) {
            throw new IllegalArgumentException("map has " + map.length + " pixels, region " + region.length);
        }
    }
}
