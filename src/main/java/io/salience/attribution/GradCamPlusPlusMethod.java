package io.salience.attribution;

import org.springframework.stereotype.Component;

/**
 * Grad-CAM++ (Chattopadhay et al. 2018) in its closed form for {@code S = exp(y)}, as tf-keras-vis computes it:
 * {@code α = g² / (2 g² + Σ_ij A · g³)} normalised per channel, weights {@code Σ_ij relu(e^y g) α}.
 */
@Component
public class GradCamPlusPlusMethod extends CamMethod {

    @Override
    public String name() {
        return "grad-cam++";
    }

    @Override
    public String description() {
        return "Grad-CAM++ (Chattopadhay et al. 2018), closed form with the exponential of the score.";
    }

    @Override
    float[] combine(GraphAccess.LayerGradient lg) {
        int pixels = lg.height() * lg.width();
        int c = lg.channels();
        float[] a = lg.activations();
        float[] g = lg.gradients();
        double expScore = Math.exp(lg.score());
        double[] activationSum = new double[c];
        for (int i = 0; i < a.length; i++) {
            activationSum[i % c] += a[i];
        }
        double[] alpha = new double[a.length];
        double[] alphaSum = new double[c];
        for (int i = 0; i < a.length; i++) {
            double g1 = g[i];
            double second = expScore * g1 * g1;
            double third = expScore * g1 * g1 * g1;
            double denom = 2 * second + third * activationSum[i % c];
            alpha[i] = second / (denom != 0 ? denom : 1);
            alphaSum[i % c] += alpha[i];
        }
        double[] weights = new double[c];
        for (int i = 0; i < a.length; i++) {
            int k = i % c;
            double norm = alphaSum[k] != 0 ? alphaSum[k] : 1;
            weights[k] += Math.max(0, expScore * g[i]) * alpha[i] / norm;
        }
        return weightedRelu(a, weights, pixels, c);
    }
}
