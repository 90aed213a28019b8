package io.salience.attribution;

import org.springframework.stereotype.Component;

/**
 * Eigen-CAM (Muhammad and Yeasin 2020), as pytorch-grad-cam defines it: the layer's activations as an
 * {@code [h·w, c]} matrix X, centred per channel, projected on its first principal direction ({@code X v₁ = σ₁ u₁}),
 * rectified. The map does not depend on the target. The sign of a singular vector is arbitrary; it is chosen so that
 * the projection agrees with the mean activation over channels, so the same input always gives the same map.
 */
@Component
public class EigenCamMethod extends CamMethod {

    private static final int MAX_ITERATIONS = 10_000;
    private static final double TOLERANCE = 1e-12;

    @Override
    public String name() {
        return "eigen-cam";
    }

    @Override
    public String description() {
        return "Eigen-CAM (Muhammad and Yeasin 2020): the layer's activations projected on their first principal"
                + " component; does not depend on the target.";
    }

    @Override
    float[] combine(GraphAccess.LayerGradient lg) {
        int pixels = lg.height() * lg.width();
        int c = lg.channels();
        double[][] x = new double[pixels][c];
        double[] mean = new double[c];
        for (int p = 0; p < pixels; p++) {
            for (int k = 0; k < c; k++) {
                x[p][k] = lg.activations()[p * c + k];
                mean[k] += x[p][k] / pixels;
            }
        }
        for (double[] row : x) {
            for (int k = 0; k < c; k++) {
                row[k] -= mean[k];
            }
        }
        double[] projection = firstComponent(x, pixels, c, pixels <= c);
        double agreement = 0;
        for (int p = 0; p < pixels; p++) {
            double channelMean = 0;
            for (int k = 0; k < c; k++) {
                channelMean += lg.activations()[p * c + k];
            }
            agreement += projection[p] * channelMean;
        }
        double sign = agreement < 0 ? -1 : 1;
        float[] cam = new float[pixels];
        for (int p = 0; p < pixels; p++) {
            cam[p] = (float) Math.max(0, sign * projection[p]);
        }
        return cam;
    }

    /**
     * {@code X v₁ = σ₁ u₁} for the first singular pair of X ({@code [pixels, c]}), from the top eigenvector of
     * {@code X Xᵀ} ({@code viaGram}, cheaper when there are fewer pixels than channels) or of {@code Xᵀ X}.
     */
    static double[] firstComponent(double[][] x, int pixels, int c, boolean viaGram) {
        if (viaGram) {
            double[][] gram = new double[pixels][pixels];
            for (int i = 0; i < pixels; i++) {
                for (int j = i; j < pixels; j++) {
                    double s = 0;
                    for (int k = 0; k < c; k++) {
                        s += x[i][k] * x[j][k];
                    }
                    gram[i][j] = s;
                    gram[j][i] = s;
                }
            }
            double[] u = topEigenvector(gram);
            double lambda = rayleigh(gram, u);
            double sigma = Math.sqrt(Math.max(0, lambda));
            double[] out = new double[pixels];
            for (int p = 0; p < pixels; p++) {
                out[p] = sigma * u[p];
            }
            return out;
        }
        double[][] cov = new double[c][c];
        for (double[] row : x) {
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < c; j++) {
                    cov[i][j] += row[i] * row[j];
                }
            }
        }
        double[] v = topEigenvector(cov);
        double[] out = new double[pixels];
        for (int p = 0; p < pixels; p++) {
            double s = 0;
            for (int k = 0; k < c; k++) {
                s += x[p][k] * v[k];
            }
            out[p] = s;
        }
        return out;
    }

    private static double rayleigh(double[][] m, double[] v) {
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v.length; j++) {
                s += v[i] * m[i][j] * v[j];
            }
        }
        return s;
    }

    /** The unit eigenvector of a symmetric positive semi-definite matrix with the largest eigenvalue. */
    static double[] topEigenvector(double[][] m) {
        int n = m.length;
        double[] v = new double[n];
        // deterministic start: the diagonal, which is not orthogonal to the top eigenvector of a PSD matrix
        for (int i = 0; i < n; i++) {
            v[i] = m[i][i] + 1e-3;
        }
        normalise(v);
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            double[] next = new double[n];
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += m[i][j] * v[j];
                }
                next[i] = s;
            }
            if (normalise(next) == 0) {
                return v;
            }
            double change = 0;
            for (int i = 0; i < n; i++) {
                change = Math.max(change, Math.abs(next[i] - v[i]));
            }
            v = next;
            if (change < TOLERANCE) {
                break;
            }
        }
        return v;
    }

    private static double normalise(double[] v) {
        double n = 0;
        for (double d : v) {
            n += d * d;
        }
        n = Math.sqrt(n);
        if (n > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] /= n;
            }
        }
        return n;
    }
}
