package io.salience.sanity;

import java.util.Arrays;

/**
 * The similarity measures of the model parameter randomisation test (Adebayo et al. 2018), each defined as the
 * reference implementation computes it, so that a tools script can check them: {@code scipy.stats.spearmanr} and
 * {@code pearsonr}, {@code skimage.metrics.structural_similarity} with the arguments Quantus's {@code ssim} passes,
 * and {@code skimage.feature.hog} with its default arguments. Maps are row-major {@code [height, width]}.
 */
public final class Similarity {

    /** SSIM window side ({@code skimage}'s default {@code win_size}). */
    public static final int SSIM_WINDOW = 7;
    /** HOG: orientation bins, pixels per cell, cells per block ({@code skimage}'s defaults). */
    public static final int HOG_ORIENTATIONS = 9;

    public static final int HOG_CELL = 8;
    public static final int HOG_BLOCK = 3;
    private static final double HOG_EPS = 1e-5;

    private Similarity() {}

    /**
     * Spearman's rank correlation: Pearson's correlation of the average ranks (ties share their mean rank), as
     * {@code scipy.stats.spearmanr}; NaN when either input is constant.
     */
    public static double spearman(float[] a, float[] b) {
        return pearson(ranks(a), ranks(b));
    }

    /** Pearson's correlation coefficient; NaN when either input is constant. */
    public static double pearson(double[] a, double[] b) {
        if (a.length != b.length || a.length < 2) {
            throw new IllegalArgumentException("Correlation needs two arrays of the same length >= 2");
        }
        double ma = mean(a);
        double mb = mean(b);
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            double da = a[i] - ma;
            double db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        if (saa == 0 || sbb == 0) {
            return Double.NaN;
        }
        double r = sab / Math.sqrt(saa * sbb);
        return Math.max(-1, Math.min(1, r));
    }

    /** Average ranks, 1-based (scipy's {@code rankdata(method='average')}). */
    static double[] ranks(float[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Float.compare(v[x], v[y]));
        double[] r = new double[v.length];
        int i = 0;
        while (i < v.length) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = rank;
            }
            i = j + 1;
        }
        return r;
    }

    /**
     * Mean structural similarity, as Quantus's {@code ssim}: {@code skimage.metrics.structural_similarity} with a
     * 7x7 uniform window, sample covariances, K1 = 0.01, K2 = 0.03, and {@code data_range} the range of both maps
     * together; the mean is over the pixels whose window lies inside the map. NaN when a side is below 7.
     */
    public static double ssim(float[] a, float[] b, int height, int width) {
        if (height < SSIM_WINDOW || width < SSIM_WINDOW) {
            return Double.NaN;
        }
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.max(a[i], b[i]));
            min = Math.min(min, Math.min(a[i], b[i]));
        }
        double range = Math.abs(max - min);
        double c1 = Math.pow(0.01 * range, 2);
        double c2 = Math.pow(0.03 * range, 2);
        int w = SSIM_WINDOW;
        int pad = (w - 1) / 2;
        double np = w * w;
        double covNorm = np / (np - 1);
        double sum = 0;
        int count = 0;
        for (int y = pad; y < height - pad; y++) {
            for (int x = pad; x < width - pad; x++) {
                double sx = 0;
                double sy = 0;
                double sxx = 0;
                double syy = 0;
                double sxy = 0;
                for (int dy = -pad; dy <= pad; dy++) {
                    int row = (y + dy) * width;
                    for (int dx = -pad; dx <= pad; dx++) {
                        double p = a[row + x + dx];
                        double q = b[row + x + dx];
                        sx += p;
                        sy += q;
                        sxx += p * p;
                        syy += q * q;
                        sxy += p * q;
                    }
                }
                double ux = sx / np;
                double uy = sy / np;
                double vx = covNorm * (sxx / np - ux * ux);
                double vy = covNorm * (syy / np - uy * uy);
                double vxy = covNorm * (sxy / np - ux * uy);
                double num = (2 * ux * uy + c1) * (2 * vxy + c2);
                double den = (ux * ux + uy * uy + c1) * (vx + vy + c2);
                sum += num / den;
                count++;
            }
        }
        return sum / count;
    }

    /**
     * The histogram-of-oriented-gradients similarity of Adebayo et al.: Pearson's correlation of the two maps' HOG
     * feature vectors, each {@code skimage.feature.hog(map)} with its defaults (9 orientations, 8x8-pixel cells, 3x3
     * cells per block, L2-Hys block normalisation). NaN when a side is below 24 pixels or a descriptor is constant.
     */
    public static double hog(float[] a, float[] b, int height, int width) {
        double[] ha = hogFeatures(a, height, width);
        double[] hb = hogFeatures(b, height, width);
        return ha == null || hb == null ? Double.NaN : pearson(ha, hb);
    }

    /** {@code skimage.feature.hog} with its default arguments, as a feature vector; null when the map is too small. */
    static double[] hogFeatures(float[] image, int height, int width) {
        int cellsY = height / HOG_CELL;
        int cellsX = width / HOG_CELL;
        int blocksY = cellsY - HOG_BLOCK + 1;
        int blocksX = cellsX - HOG_BLOCK + 1;
        if (blocksY <= 0 || blocksX <= 0) {
            return null;
        }
        // central differences, zero on the border rows/columns (skimage's _hog_channel_gradient)
        double[] magnitude = new double[height * width];
        double[] orientation = new double[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double gr = y == 0 || y == height - 1
                        ? 0
                        : (double) image[(y + 1) * width + x] - image[(y - 1) * width + x];
                double gc = x == 0 || x == width - 1 ? 0 : (double) image[y * width + x + 1] - image[y * width + x - 1];
                magnitude[y * width + x] = Math.hypot(gc, gr);
                double deg = Math.toDegrees(Math.atan2(gr, gc)) % 180;
                orientation[y * width + x] = deg < 0 ? deg + 180 : deg;
            }
        }
        // orientation histograms of the cells (skimage's hog_histograms: float accumulation, no interpolation)
        double[][][] hist = new double[cellsY][cellsX][HOG_ORIENTATIONS];
        float per180 = 180f / HOG_ORIENTATIONS;
        for (int o = 0; o < HOG_ORIENTATIONS; o++) {
            float start = per180 * (o + 1);
            float end = per180 * o;
            for (int cy = 0; cy < cellsY; cy++) {
                for (int cx = 0; cx < cellsX; cx++) {
                    float total = 0;
                    for (int y = cy * HOG_CELL; y < (cy + 1) * HOG_CELL; y++) {
                        for (int x = cx * HOG_CELL; x < (cx + 1) * HOG_CELL; x++) {
                            double or = orientation[y * width + x];
                            if (or >= start || or < end) {
                                continue;
                            }
                            total = (float) (total + magnitude[y * width + x]);
                        }
                    }
                    hist[cy][cx][o] = total / (HOG_CELL * HOG_CELL);
                }
            }
        }
        int blockLen = HOG_BLOCK * HOG_BLOCK * HOG_ORIENTATIONS;
        double[] out = new double[blocksY * blocksX * blockLen];
        int k = 0;
        for (int by = 0; by < blocksY; by++) {
            for (int bx = 0; bx < blocksX; bx++) {
                double[] block = new double[blockLen];
                int j = 0;
                for (int y = by; y < by + HOG_BLOCK; y++) {
                    for (int x = bx; x < bx + HOG_BLOCK; x++) {
                        for (int o = 0; o < HOG_ORIENTATIONS; o++) {
                            block[j++] = hist[y][x][o];
                        }
                    }
                }
                // L2-Hys
                double norm = Math.sqrt(sumSquares(block) + HOG_EPS * HOG_EPS);
                for (int i = 0; i < blockLen; i++) {
                    block[i] = Math.min(block[i] / norm, 0.2);
                }
                norm = Math.sqrt(sumSquares(block) + HOG_EPS * HOG_EPS);
                for (int i = 0; i < blockLen; i++) {
                    out[k++] = block[i] / norm;
                }
            }
        }
        return out;
    }

    private static double sumSquares(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }
}
