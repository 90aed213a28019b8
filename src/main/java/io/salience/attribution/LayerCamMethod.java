package io.salience.attribution;

import org.springframework.stereotype.Component;

/** LayerCAM (Jiang et al. 2021): {@code relu(Σ_k relu(dy/dA_k) ⊙ A_k)}, pixel-wise weights. */
@Component
public class LayerCamMethod extends CamMethod {

    @Override
    public String name() {
        return "layer-cam";
    }

    @Override
    public String description() {
        return "LayerCAM (Jiang et al. 2021): activations weighted pixel-wise by their positive gradients.";
    }

    @Override
    float[] combine(GraphAccess.LayerGradient lg) {
        int pixels = lg.height() * lg.width();
        int c = lg.channels();
        float[] cam = new float[pixels];
        for (int p = 0; p < pixels; p++) {
            double s = 0;
            for (int k = 0; k < c; k++) {
                int i = p * c + k;
                s += Math.max(0, lg.gradients()[i]) * lg.activations()[i];
            }
            cam[p] = (float) Math.max(0, s);
        }
        return cam;
    }
}
