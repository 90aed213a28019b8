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
        return pixelwise(lg, g -> g);
    }
}
