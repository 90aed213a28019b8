package io.salience.attribution;

import io.salience.graph.Branch;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import java.util.List;
import java.util.Map;

/** Shared body of the class-activation-map methods: fetch a layer's activations and gradients, then combine. */
abstract class CamMethod implements SaliencyMethod {

    @Override
    public boolean usesLayer() {
        return true;
    }

    @Override
    public List<Branch> branches(AttributionContext ctx) {
        return List.of(Branch.layer(layer(ctx), Rule.PLAIN));
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        LayerInfo layer = layer(ctx);
        GraphAccess.LayerGradient lg = ctx.graph().layerGradients(layer, Rule.PLAIN, ctx.input(), ctx.seed());
        float[] cam = combine(lg);
        return new SaliencyMap(cam, lg.height(), lg.width(), 1, Map.of(), layer.name());
    }

    /** The CAM of one layer, {@code [h, w]}. */
    abstract float[] combine(GraphAccess.LayerGradient lg);

    /** Resolves the {@code layer} parameter; 400 listing the candidates when unknown or not spatial. */
    static LayerInfo layer(AttributionContext ctx) {
        String name = ctx.params().raw("layer");
        var graph = ctx.model().graph();
        if (name == null || name.equals("auto")) {
            return graph.defaultCamLayer();
        }
        LayerInfo layer = graph.findLayer(name);
        if (layer == null || !layer.spatial()) {
            List<String> candidates = graph.layers().stream()
                    .filter(LayerInfo::spatial)
                    .map(LayerInfo::name)
                    .toList();
            throw new InvalidParameterException(
                    "layer",
                    "layer '" + name + "' is " + (layer == null ? "unknown" : "not a spatial 4-D layer")
                            + "; candidates: " + candidates);
        }
        return layer;
    }

    /** Spatial mean of each channel of a {@code [h, w, c]} array. */
    static double[] channelMeans(float[] v, int pixels, int channels) {
        double[] m = new double[channels];
        for (int i = 0; i < v.length; i++) {
            m[i % channels] += v[i];
        }
        for (int k = 0; k < channels; k++) {
            m[k] /= pixels;
        }
        return m;
    }

    /** {@code relu(Σ_k f(g[., k]) A[., k])}: pixel-wise gradient weights. */
    static float[] pixelwise(GraphAccess.LayerGradient lg, java.util.function.DoubleUnaryOperator f) {
        int pixels = lg.height() * lg.width();
        int c = lg.channels();
        float[] cam = new float[pixels];
        for (int p = 0; p < pixels; p++) {
            double s = 0;
            for (int k = 0; k < c; k++) {
                int i = p * c + k;
                s += f.applyAsDouble(lg.gradients()[i]) * lg.activations()[i];
            }
            cam[p] = (float) Math.max(0, s);
        }
        return cam;
    }

    /** {@code relu(Σ_k w_k A[., k])}. */
    static float[] weightedRelu(float[] activations, double[] weights, int pixels, int channels) {
        float[] cam = new float[pixels];
        for (int p = 0; p < pixels; p++) {
            double s = 0;
            for (int k = 0; k < channels; k++) {
                s += weights[k] * activations[p * channels + k];
            }
            cam[p] = (float) Math.max(0, s);
        }
        return cam;
    }
}
