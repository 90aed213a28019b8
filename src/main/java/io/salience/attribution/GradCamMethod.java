package io.salience.attribution;

import org.springframework.stereotype.Component;

/** Grad-CAM (Selvaraju et al. 2017): {@code relu(Σ_k mean(dy/dA_k) A_k)}. */
@Component
public class GradCamMethod extends CamMethod {

    @Override
    public String name() {
        return "grad-cam";
    }

    @Override
    public String description() {
        return "Grad-CAM (Selvaraju et al. 2017): channels weighted by their mean gradient, summed, rectified.";
    }

    @Override
    float[] combine(GraphAccess.LayerGradient lg) {
        int pixels = lg.height() * lg.width();
        double[] w = channelMeans(lg.gradients(), pixels, lg.channels());
        return weightedRelu(lg.activations(), w, pixels, lg.channels());
    }
}
