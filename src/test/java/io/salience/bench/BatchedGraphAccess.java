package io.salience.bench;

import io.salience.attribution.GraphAccess;
import io.salience.engine.Outputs;
import io.salience.engine.Rows;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.model.LoadedModel;
import io.salience.testing.DirectGraphAccess;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the pool does for N concurrent one-image requests, without its threads: the first time any of the N images
 * asks for an input gradient or a layer gradient, one session run computes it for all N, and each image then reads
 * its own row. Requests of several rows (IG paths, SmoothGrad samples) run directly. Use a fresh instance per timed
 * run, so every run pays for its session runs.
 */
final class BatchedGraphAccess implements GraphAccess {

    private final LoadedModel model;
    private final List<float[]> inputs;
    private final float[] seeds;
    private final DirectGraphAccess direct;
    private final Map<String, Outputs> runs = new HashMap<>();

    /**
     * @param inputs the N images
     * @param seeds each image's seed row
     */
    BatchedGraphAccess(LoadedModel model, List<float[]> inputs, List<float[]> seeds) {
        this.model = model;
        this.inputs = inputs;
        this.direct = new DirectGraphAccess(model);
        this.seeds = Rows.concat(seeds);
    }

    @Override
    public float[] scores(List<float[]> rows, float[] seed) {
        return direct.scores(rows, seed);
    }

    @Override
    public int maxBatch() {
        return direct.maxBatch();
    }

    @Override
    public List<float[]> logits(List<float[]> rows) {
        return direct.logits(rows);
    }

    @Override
    public float[] scoresFromLayer(LayerInfo layer, float[] input, List<float[]> activations, float[] seed) {
        return direct.scoresFromLayer(layer, input, activations, seed);
    }

    @Override
    public List<Gradient> inputGradients(Rule rule, List<float[]> rows, float[] seed) {
        int i = rows.size() == 1 ? indexOf(rows.get(0)) : -1;
        if (i < 0) {
            return direct.inputGradients(rule, rows, seed);
        }
        Outputs o = runs.computeIfAbsent(
                "input:" + rule, k -> model.graph().inputGradients(rule, batch(), inputs.size(), seeds));
        return List.of(new Gradient(dot(seed, row(o.get(0), i)), row(o.get(1), i)));
    }

    @Override
    public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] input, float[] seed) {
        int i = indexOf(input);
        if (i < 0) {
            return direct.layerGradients(layer, rule, input, seed);
        }
        Outputs o = runs.computeIfAbsent("layer:" + layer.name() + ":" + rule, k -> model.graph()
                .layerGradients(layer, rule, batch(), inputs.size(), seeds));
        long[] s = o.shape(2);
        return new LayerGradient(
                dot(seed, row(o.get(0), i)), row(o.get(1), i), row(o.get(2), i), (int) s[1], (int) s[2], (int) s[3]);
    }

    private int indexOf(float[] input) {
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i) == input) {
                return i;
            }
        }
        return -1;
    }

    private float[] batch() {
        return Rows.concat(inputs);
    }

    private float[] row(float[] all, int i) {
        return Rows.row(all, inputs.size(), i);
    }

    private static float dot(float[] a, float[] b) {
        return Rows.dot(a, b);
    }
}
