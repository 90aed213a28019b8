package io.salience.attribution;

import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Ablation-CAM (Desai and Ramaswamy 2020): channel k's weight is the relative drop of the target score when the
 * channel is zeroed, {@code (y - y_k) / |y|}; the map is {@code relu(Σ_k w_k A_k)}. The ablated activations are fed
 * into the graph at the layer, so the layers below it run once, not once per channel. It zeroes the channel as the
 * paper does (pytorch-grad-cam puts {@code min - 1e7} there when activations can be negative), and divides by
 * {@code |y|} so that a negative score does not flip the weights' sign.
 */
@Component
public class AblationCamMethod implements SaliencyMethod {

    @Override
    public String name() {
        return "ablation-cam";
    }

    @Override
    public boolean usesLayer() {
        return true;
    }

    @Override
    public String description() {
        return "Ablation-CAM (Desai and Ramaswamy 2020): channels weighted by the drop of the score when each is"
                + " zeroed; no gradients, one pass above the layer per channel.";
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        LayerInfo layer = CamMethod.layer(ctx);
        GraphAccess.LayerGradient lg = ctx.graph().layerGradients(layer, Rule.PLAIN, ctx.input(), ctx.seed());
        int pixels = lg.height() * lg.width();
        int c = lg.channels();
        float[] a = lg.activations();
        double y = lg.score();
        double scale = Math.abs(y) > 1e-12 ? Math.abs(y) : 1;
        double[] weights = new double[c];
        int chunk = Math.max(1, ctx.graph().maxBatch());
        for (int from = 0; from < c; from += chunk) {
            int to = Math.min(c, from + chunk);
            List<float[]> ablated = new ArrayList<>(to - from);
            for (int k = from; k < to; k++) {
                float[] copy = a.clone();
                for (int p = 0; p < pixels; p++) {
                    copy[p * c + k] = 0;
                }
                ablated.add(copy);
            }
            float[] scores = ctx.graph().scoresFromLayer(layer, ctx.input(), ablated, ctx.seed());
            for (int k = from; k < to; k++) {
                weights[k] = (y - scores[k - from]) / scale;
            }
            ctx.progress().update(to, c, "channels");
        }
        float[] cam = CamMethod.weightedRelu(a, weights, pixels, c);
        return new SaliencyMap(cam, lg.height(), lg.width(), 1, Map.of("score", y), layer.name());
    }
}
