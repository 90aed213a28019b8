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
        return pixelwise(lg, g -> Math.max(0, g));
    }
}
