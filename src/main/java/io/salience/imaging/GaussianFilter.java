package io.salience.imaging;

/**
 * Gaussian blur of an HWC tensor over height and width, as {@code scipy.ndimage.gaussian_filter(x, [s, s, 0],
 * mode="constant")}: a separable kernel of radius {@code int(4 s + 0.5)}, zeros outside the image, rows first, each
 * pass rounded to float32.
 */
public final class GaussianFilter {

    private GaussianFilter() {}

    /** The blurred copy of {@code x} ({@code [h, w, c]}); {@code sigma} 0 returns a copy. */
    public static float[] blur(float[] x, int h, int w, int c, double sigma) {
        if ((long) h * w * c != x.length) {
            throw new IllegalArgumentException("tensor of length " + x.length + " is not " + h + "x" + w + "x" + c);
        }
        if (sigma <= 0) {
            return x.clone();
        }
        double[] k = kernel(sigma);
        int r = k.length / 2;
        float[] tmp = new float[x.length];
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                for (int ch = 0; ch < c; ch++) {
                    double s = 0;
                    for (int i = -r; i <= r; i++) {
                        int yi = y + i;
                        if (yi >= 0 && yi < h) {
                            s += k[i + r] * x[(yi * w + xx) * c + ch];
                        }
                    }
                    tmp[(y * w + xx) * c + ch] = (float) s;
                }
            }
        }
        float[] out = new float[x.length];
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                for (int ch = 0; ch < c; ch++) {
                    double s = 0;
                    for (int i = -r; i <= r; i++) {
                        int xi = xx + i;
                        if (xi >= 0 && xi < w) {
                            s += k[i + r] * tmp[(y * w + xi) * c + ch];
                        }
                    }
                    out[(y * w + xx) * c + ch] = (float) s;
                }
            }
        }
        return out;
    }

    /** The normalised kernel, {@code 2 int(4 sigma + 0.5) + 1} taps. */
    static double[] kernel(double sigma) {
        int r = (int) (4.0 * sigma + 0.5);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = Math.exp(-0.5 / (sigma * sigma) * i * i);
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }
}
