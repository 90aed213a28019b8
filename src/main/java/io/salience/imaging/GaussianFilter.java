package io.salience.imaging;

/**
 * Separable Gaussian blur of an HWC tensor over height and width, each pass rounded to float32. Two edge rules:
 * zeros outside the image with a radius of {@code int(4 s + 0.5)}, along height first, as
 * {@code scipy.ndimage.gaussian_filter(x, [s, s, 0], mode="constant")} ({@link #blur}), or clamped edges with a
 * radius of {@code ceil(3 s)}, along width first ({@link #blurClamped}, the integrated-gradients blur baseline).
 */
public final class GaussianFilter {

    private GaussianFilter() {}

    /** scipy's {@code gaussian_filter(x, [sigma, sigma, 0], mode="constant")}; {@code sigma} 0 returns a copy. */
    public static float[] blur(float[] x, int h, int w, int c, double sigma) {
        return sigma <= 0 ? x.clone() : filter(x, h, w, c, kernel(sigma, (int) (4.0 * sigma + 0.5)), false);
    }

    /** A blur that repeats the edge pixels outward, radius {@code ceil(3 sigma)}. */
    public static float[] blurClamped(float[] x, int h, int w, int c, double sigma) {
        return sigma <= 0 ? x.clone() : filter(x, h, w, c, kernel(sigma, (int) Math.ceil(3 * sigma)), true);
    }

    private static float[] filter(float[] x, int h, int w, int c, double[] k, boolean clamp) {
        if ((long) h * w * c != x.length) {
            throw new IllegalArgumentException("tensor of length " + x.length + " is not " + h + "x" + w + "x" + c);
        }
        // scipy's order (height, then width) for zero edges; width first for clamped edges
        float[] tmp = pass(x, h, w, c, k, clamp, !clamp);
        return pass(tmp, h, w, c, k, clamp, clamp);
    }

    private static float[] pass(float[] in, int h, int w, int c, double[] k, boolean clamp, boolean rows) {
        if (!clamp) {
            return rows ? zeroEdgeRows(in, h, w, c, k) : zeroEdgeColumns(in, h, w, c, k);
        }
        int r = k.length / 2;
        int n = rows ? h : w;
        int stride = rows ? w * c : c;
        float[] out = new float[in.length];
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int pos = rows ? y : xx;
                int base = (y * w + xx) * c - pos * stride;
                // with zeros outside, only the taps that land inside the image contribute (same sum, same order)
                int from = clamp ? -r : Math.max(-r, -pos);
                int to = clamp ? r : Math.min(r, n - 1 - pos);
                for (int ch = 0; ch < c; ch++) {
                    double s = 0;
                    for (int i = from; i <= to; i++) {
                        int at = clamp ? Math.min(n - 1, Math.max(0, pos + i)) : pos + i;
                        s += k[i + r] * in[base + at * stride + ch];
                    }
                    out[(y * w + xx) * c + ch] = (float) s;
                }
            }
        }
        return out;
    }

    /**
     * The zero-edge pass along height, one output row at a time: tap by tap, in ascending order, each tap's source
     * row is added to the row's sums, so every output value is the same sum, in the same order, as tap by tap per
     * value; only the taps inside the image count.
     */
    private static float[] zeroEdgeRows(float[] in, int h, int w, int c, double[] k) {
        int r = k.length / 2;
        int row = w * c;
        float[] out = new float[in.length];
        double[] acc = new double[row];
        for (int y = 0; y < h; y++) {
            java.util.Arrays.fill(acc, 0);
            int from = Math.max(-r, -y);
            int to = Math.min(r, h - 1 - y);
            for (int i = from; i <= to; i++) {
                double kk = k[i + r];
                int src = (y + i) * row;
                for (int j = 0; j < row; j++) {
                    acc[j] += kk * in[src + j];
                }
            }
            int dst = y * row;
            for (int j = 0; j < row; j++) {
                out[dst + j] = (float) acc[j];
            }
        }
        return out;
    }

    /**
     * The zero-edge pass along width, one row at a time: for each tap, in ascending order, the columns it reaches
     * inside the image are one contiguous range, added at once; the same sums in the same order as per value.
     */
    private static float[] zeroEdgeColumns(float[] in, int h, int w, int c, double[] k) {
        int r = k.length / 2;
        int row = w * c;
        float[] out = new float[in.length];
        double[] acc = new double[row];
        for (int y = 0; y < h; y++) {
            java.util.Arrays.fill(acc, 0);
            int base = y * row;
            for (int i = Math.max(-r, 1 - w); i <= Math.min(r, w - 1); i++) {
                double kk = k[i + r];
                // output columns xx with 0 <= xx + i < w
                int first = Math.max(0, -i) * c;
                int last = Math.min(w, w - i) * c;
                int shift = base + i * c;
                for (int j = first; j < last; j++) {
                    acc[j] += kk * in[shift + j];
                }
            }
            for (int j = 0; j < row; j++) {
                out[base + j] = (float) acc[j];
            }
        }
        return out;
    }

    /** The normalised kernel of {@code 2 radius + 1} taps. */
    static double[] kernel(double sigma, int radius) {
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-0.5 / (sigma * sigma) * i * i);
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }
}
