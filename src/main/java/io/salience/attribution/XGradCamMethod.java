package io.salience.attribution;

import org.springframework.stereotype.Component;

/**
 * XGrad-CAM (Fu et al. 2020), as pytorch-grad-cam defines it: channel weights {@code Σ_ij g ⊙ A / (Σ_ij A + ε)},
 * then {@code relu(Σ_k w_k A_k)}.
 */
@Component
public class XGradCamMethod extends CamMethod {

    private static final double EPS = 1e-7;

    @Override
    public String name() {
        return "xgrad-cam";
    }

    @Override
    public String description() {
        return "XGrad-CAM (Fu et al. 2020): channels weighted by their activation-normalised gradient-activation sum.";
    }

    @Override
    float[] combine(GraphAccess.LayerGradient lg) {
        int c = lg.channels();
        float[] a = lg.activations();
        float[] g = lg.gradients();
        double[] activationSum = new double[c];
        double[] product = new double[c];
        for (int i = 0; i < a.length; i++) {
            activationSum[i % c] += a[i];
            product[i % c] += (double) g[i] * a[i];
        }
        double[] w = new double[c];
        for (int k = 0; k < c; k++) {
            w[k] = product[k] / (activationSum[k] + EPS);
        }
        return weightedRelu(a, w, lg.height() * lg.width(), c);
    }
}
