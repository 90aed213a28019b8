package io.salience.testing;

import io.salience.attribution.GraphAccess;
import io.salience.engine.ModelGraph;
import io.salience.engine.Outputs;
import io.salience.engine.Rows;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.model.LoadedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link GraphAccess} that runs {@link ModelGraph} directly, without the pool. It mirrors {@code PooledGraphAccess} +
 * {@code ModelRunner}: rows are concatenated into one batch (in chunks of {@link #CHUNK} rows), the same seed row is
 * repeated for every row, and scores are {@code seed · logits} accumulated in double and rounded to float.
 */
public final class DirectGraphAccess implements GraphAccess {

    /** Largest batch of one session run: the pool's default {@code max-batch}, as in production. */
    public static final int CHUNK = PoolSettings.defaults().build().maxBatch();

    private final LoadedModel model;

    public DirectGraphAccess(LoadedModel model) {
        this.model = model;
    }

    @Override
    public int maxBatch() {
        return CHUNK;
    }

    /** The logits row of each input. */
    @Override
    public List<float[]> logits(List<float[]> inputs) {
        List<float[]> out = new ArrayList<>(inputs.size());
        for (int from = 0; from < inputs.size(); from += CHUNK) {
            List<float[]> chunk = inputs.subList(from, Math.min(inputs.size(), from + CHUNK));
            Outputs o = model.graph().predict(Rows.concat(chunk), chunk.size());
            for (int i = 0; i < chunk.size(); i++) {
                out.add(Rows.row(o.get(0), chunk.size(), i));
            }
        }
        return out;
    }

    @Override
    public float[] scores(List<float[]> inputs, float[] seed) {
        List<float[]> logits = logits(inputs);
        float[] s = new float[logits.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = dot(seed, logits.get(i));
        }
        return s;
    }

    @Override
    public float[] scoresFromLayer(LayerInfo layer, float[] input, List<float[]> activations, float[] seed) {
        float[] s = new float[activations.size()];
        for (int from = 0; from < activations.size(); from += CHUNK) {
            List<float[]> chunk = activations.subList(from, Math.min(activations.size(), from + CHUNK));
            int n = chunk.size();
            Outputs o = model.graph().logitsFromLayer(layer, Rows.repeat(input, n), Rows.concat(chunk), n);
            for (int i = 0; i < n; i++) {
                s[from + i] = dot(seed, Rows.row(o.get(0), n, i));
            }
        }
        return s;
    }

    @Override
    public List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed) {
        List<Gradient> out = new ArrayList<>(inputs.size());
        for (int from = 0; from < inputs.size(); from += CHUNK) {
            List<float[]> chunk = inputs.subList(from, Math.min(inputs.size(), from + CHUNK));
            int n = chunk.size();
            Outputs o = model.graph().inputGradients(rule, Rows.concat(chunk), n, Rows.repeat(seed, n));
            for (int i = 0; i < n; i++) {
                out.add(new Gradient(dot(seed, Rows.row(o.get(0), n, i)), Rows.row(o.get(1), n, i)));
            }
        }
        return out;
    }

    @Override
    public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] input, float[] seed) {
        Outputs o = model.graph().layerGradients(layer, rule, input, 1, Rows.repeat(seed, 1));
        long[] s = o.shape(2);
        return new LayerGradient(dot(seed, o.get(0)), o.get(1), o.get(2), (int) s[1], (int) s[2], (int) s[3]);
    }

    /** {@code seed · logits} as PooledGraphAccess computes it. */
    public static float dot(float[] a, float[] b) {
        return Rows.dot(a, b);
    }
}
