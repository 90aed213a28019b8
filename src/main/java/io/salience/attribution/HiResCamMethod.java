package io.salience.attribution;

import org.springframework.stereotype.Component;

/**
 * HiResCAM (Draelos and Carin 2020): {@code relu(Σ_k g_k ⊙ A_k)}, the element-wise product summed over channels,
 * which is faithful to the score for models that end in global average pooling.
 */
@Component
public class HiResCamMethod extends CamMethod {

    @Override
    public String name() {
        return "hires-cam";
    }

    @Override
    public String description() {
        return "HiResCAM (Draelos and Carin 2020): gradients times activations, summed over channels, rectified.";
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
                s += (double) lg.gradients()[i] * lg.activations()[i];
            }
            cam[p] = (float) Math.max(0, s);
        }
        return cam;
    }
}
