package io.salience.attribution;

import io.salience.graph.Branch;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.model.ModelRunner;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The backward branches that several methods (or one method's several branches) need on the explained input, run
 * once from one forward pass, then handed to each method as if it had run them itself. Every other run passes through
 * to the request's pooled access.
 */
final class SharedBranches implements GraphAccess {

    private final PooledGraphAccess pooled;
    private final float[] input;
    private final Map<Branch, ModelRunner.LayerGradient> results;

    private SharedBranches(PooledGraphAccess pooled, float[] input, Map<Branch, ModelRunner.LayerGradient> results) {
        this.pooled = pooled;
        this.input = input;
        this.results = results;
    }

    /**
     * Runs the branches the methods share, when sharing saves a run (two methods with branches, or one method with
     * two); else returns {@code pooled}.
     */
    static GraphAccess run(
            List<SaliencyMethod> methods, List<AttributionContext> contexts, PooledGraphAccess pooled, float[] input) {
        LinkedHashSet<Branch> union = new LinkedHashSet<>();
        int users = 0;
        for (int i = 0; i < methods.size(); i++) {
            List<Branch> b = methods.get(i).branches(contexts.get(i));
            if (!b.isEmpty()) {
                users++;
                union.addAll(b);
            }
        }
        if (union.isEmpty() || (users == 1 && union.size() == 1)) {
            return pooled;
        }
        float[] seed = contexts.get(0).seed();
        return new SharedBranches(pooled, input, pooled.branches(List.copyOf(union), seed));
    }

    @Override
    public int maxBatch() {
        return pooled.maxBatch();
    }

    @Override
    public float[] scores(List<float[]> inputs, float[] seed) {
        return pooled.scores(inputs, seed);
    }

    @Override
    public List<float[]> logits(List<float[]> inputs) {
        return pooled.logits(inputs);
    }

    @Override
    public float[] scoresFromLayer(LayerInfo layer, float[] in, List<float[]> activations, float[] seed) {
        return pooled.scoresFromLayer(layer, in, activations, seed);
    }

    @Override
    public List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed) {
        ModelRunner.LayerGradient r = results.get(Branch.input(rule));
        if (r == null || inputs.size() != 1 || inputs.get(0) != input) {
            return pooled.inputGradients(rule, inputs, seed);
        }
        // a copy: methods may scale their gradient in place
        return List.of(new Gradient(
                io.salience.engine.Rows.dot(r.seed(), r.logits()), r.gradient().clone()));
    }

    @Override
    public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] in, float[] seed) {
        ModelRunner.LayerGradient r = results.get(Branch.layer(layer, rule));
        if (r == null || in != input) {
            return pooled.layerGradients(layer, rule, in, seed);
        }
        long[] s = r.shape();
        return new LayerGradient(
                io.salience.engine.Rows.dot(r.seed(), r.logits()),
                r.activations().clone(),
                r.gradient().clone(),
                (int) s[0],
                (int) s[1],
                (int) s[2]);
    }
}
