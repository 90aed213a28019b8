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
