package io.salience.attribution;

import io.salience.engine.Rows;
import io.salience.engine.WeightValues;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link GraphAccess} for one model and request, through the {@link ModelRunner} (and so the pool); with
 * {@link WeightValues}, every run uses the model's randomisable copy with those weights replaced.
 */
final class PooledGraphAccess implements GraphAccess {

    private final ModelRunner runner;
    private final LoadedModel model;
    private final Duration deadline;
    private final WeightValues weights;

    PooledGraphAccess(ModelRunner runner, LoadedModel model, Duration deadline) {
        this(runner, model, deadline, null);
    }

    PooledGraphAccess(ModelRunner runner, LoadedModel model, Duration deadline, WeightValues weights) {
        this.runner = runner;
        this.model = model;
        this.deadline = deadline;
        this.weights = weights;
    }

    @Override
    public int maxBatch() {
        return runner.maxBatch();
    }

    @Override
    public float[] scores(List<float[]> inputs, float[] seed) {
        List<ModelRunner.Prediction> r = runner.predict(model, weights, inputs, deadline);
        float[] s = new float[r.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = Rows.dot(seed, r.get(i).logits());
        }
        return s;
    }

    @Override
    public List<float[]> logits(List<float[]> inputs) {
        return runner.predict(model, weights, inputs, deadline).stream()
                .map(ModelRunner.Prediction::logits)
                .toList();
    }

    @Override
    public float[] scoresFromLayer(LayerInfo layer, float[] input, List<float[]> activations, float[] seed) {
        List<ModelRunner.LayerRow> rows = activations.stream()
                .map(a -> new ModelRunner.LayerRow(input, a))
                .toList();
        List<float[]> logits = runner.logitsFromLayer(model, weights, layer, rows, deadline);
        float[] s = new float[logits.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = Rows.dot(seed, logits.get(i));
        }
        return s;
    }

    @Override
    public List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed) {
        List<ModelRunner.Row> rows =
                inputs.stream().map(x -> new ModelRunner.Row(x, seed)).toList();
        List<Gradient> out = new ArrayList<>(rows.size());
        for (ModelRunner.InputGradient r : runner.inputGradients(model, weights, rule, rows, deadline)) {
            out.add(new Gradient(Rows.dot(seed, r.logits()), r.gradient()));
        }
        return out;
    }

    @Override
    public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] input, float[] seed) {
        ModelRunner.LayerGradient r = runner.layerGradients(
                        model, weights, layer, rule, List.of(new ModelRunner.Row(input, seed)), deadline)
                .get(0);
        long[] s = r.shape();
        return new LayerGradient(
                Rows.dot(seed, r.logits()), r.activations(), r.gradient(), (int) s[0], (int) s[1], (int) s[2]);
    }
}
