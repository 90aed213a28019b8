package io.salience.model;

import io.salience.engine.ModelGraph;
import io.salience.engine.Outputs;
import io.salience.engine.Rows;
import io.salience.engine.WeightValues;
import io.salience.graph.Branch;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.inference.BatchKey;
import io.salience.inference.InferencePool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Every session run of a served model, routed through the {@link InferencePool}: rows of concurrent requests with
 * the same model and compiled graph are merged into one run, and no request thread touches a session.
 */
@Component
public class ModelRunner {

    private final InferencePool pool;

    public ModelRunner(InferencePool pool) {
        this.pool = pool;
    }

    /**
     * One row to differentiate: an input tensor and its seed row, or the class some row of the same call predicts.
     *
     * @param input {@code [H, W, C]}
     * @param seed the seed row over the graph's logits (ignored when {@code predictedFrom >= 0}, but sized)
     * @param predictedFrom -1 to back-propagate {@code seed}; {@code k >= 0} to back-propagate the class predicted, in
     *     the same session run, for the row {@code k} places before this one in the same call (0: this row)
     */
    public record Row(float[] input, float[] seed, int predictedFrom) {

        /** A row that back-propagates its seed. */
        public Row(float[] input, float[] seed) {
            this(input, seed, -1);
        }
    }

    /**
     * One row whose layer output is replaced.
     *
     * @param input {@code [H, W, C]}, for whatever bypasses the layer
     * @param activations {@code [h, w, c]}, fed in place of the layer's output
     */
    public record LayerRow(float[] input, float[] activations) {}

    /**
     * One row's prediction.
     *
     * @param logits the graph's logits row
     * @param output the signature's output row
     */
    public record Prediction(float[] logits, float[] output) {}

    /**
     * One row's gradient with respect to the input.
     *
     * @param logits the graph's logits row
     * @param gradient same layout as the input
     * @param output the signature's output row
     * @param seed the seed row back-propagated
     */
    public record InputGradient(float[] logits, float[] gradient, float[] output, float[] seed) {}

    /**
     * One row's layer activations and the gradients with respect to them.
     *
     * @param logits the graph's logits row
     * @param activations {@code [h, w, c]}
     * @param gradient {@code [h, w, c]}
     * @param shape {@code [h, w, c]}
     * @param output the signature's output row
     * @param seed the seed row back-propagated
     */
    public record LayerGradient(
            float[] logits, float[] activations, float[] gradient, long[] shape, float[] output, float[] seed) {}

    /** The most rows of one session run ({@code salience.pool.max-batch}). */
    public int maxBatch() {
        return pool.properties().maxBatch();
    }

    /** Logits and signature outputs of each input. */
    public List<Prediction> predict(LoadedModel model, List<float[]> inputs, Duration deadline) {
        return predict(model, null, inputs, deadline);
    }

    /**
     * {@link #predict(LoadedModel, List, Duration)} on the model's {@link ModelGraph#randomisable() randomisable}
     * copy with some weights replaced; {@code weights == null} runs the served graph.
     */
    public List<Prediction> predict(LoadedModel model, WeightValues weights, List<float[]> inputs, Duration deadline) {
        return pool.call(
                key(model, weights, "predict"),
                inputs,
                (key, batch) -> {
                    Outputs out = graph(model, weights).predict(weights, Rows.concat(batch), batch.size());
                    int n = batch.size();
                    List<Prediction> r = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        r.add(new Prediction(Rows.row(out.get(0), n, i), Rows.row(out.get(1), n, i)));
                    }
                    return r;
                },
                deadline);
    }

    /** Gradients of {@code seed · logits} w.r.t. each input under a rectifier rule. */
    public List<InputGradient> inputGradients(LoadedModel model, Rule rule, List<Row> rows, Duration deadline) {
        return inputGradients(model, null, rule, rows, deadline);
    }

    /** Input gradients with some weights replaced ({@code null}: the served graph). */
    public List<InputGradient> inputGradients(
            LoadedModel model, WeightValues weights, Rule rule, List<Row> rows, Duration deadline) {
        BatchKey key = key(model, weights, "input-gradient:" + rule.id());
        return pool.call(
                key,
                rows,
                (k, batch) -> {
                    int n = batch.size();
                    Outputs out = graph(model, weights)
                            .inputGradients(weights, rule, inputs(batch), n, seeds(batch), sources(batch));
                    List<InputGradient> r = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        r.add(new InputGradient(
                                Rows.row(out.get(0), n, i),
                                Rows.row(out.get(1), n, i),
                                Rows.row(out.get(2), n, i),
                                Rows.row(out.get(3), n, i)));
                    }
                    return r;
                },
                deadline,
                spansRows(rows));
    }

    /** A layer's activations and gradients for each row. */
    public List<LayerGradient> layerGradients(
            LoadedModel model, LayerInfo layer, Rule rule, List<Row> rows, Duration deadline) {
        return layerGradients(model, null, layer, rule, rows, deadline);
    }

    /** Layer gradients with some weights replaced ({@code null}: the served graph). */
    public List<LayerGradient> layerGradients(
            LoadedModel model, WeightValues weights, LayerInfo layer, Rule rule, List<Row> rows, Duration deadline) {
        BatchKey key = key(model, weights, "layer-gradient:" + layer.name() + ":" + rule.id());
        return pool.call(
                key,
                rows,
                (k, batch) -> {
                    int n = batch.size();
                    Outputs out = graph(model, weights)
                            .layerGradients(weights, layer, rule, inputs(batch), n, seeds(batch), sources(batch));
                    long[] full = out.shape(2);
                    long[] shape = Arrays.copyOfRange(full, 1, full.length);
                    List<LayerGradient> r = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        r.add(new LayerGradient(
                                Rows.row(out.get(0), n, i),
                                Rows.row(out.get(1), n, i),
                                Rows.row(out.get(2), n, i),
                                shape,
                                Rows.row(out.get(3), n, i),
                                Rows.row(out.get(4), n, i)));
                    }
                    return r;
                },
                deadline,
                spansRows(rows));
    }

    /**
     * One row's results of several backward branches run from one forward pass.
     *
     * @param logits the graph's logits row
     * @param output the signature's output row
     * @param seed the seed row back-propagated
     * @param branches per branch, in order: a layer branch's activations (null for an input branch) and gradient
     */
    public record BranchGradients(float[] logits, float[] output, float[] seed, List<LayerGradient> branches) {}

    /**
     * Several gradient branches of each row in one session run ({@link ModelGraph#branchGradients}); each branch's
     * result is a {@link LayerGradient} whose activations are null for an input branch.
     */
    public List<BranchGradients> branchGradients(
            LoadedModel model, WeightValues weights, List<Branch> branches, List<Row> rows, Duration deadline) {
        BatchKey key = key(
                model,
                weights,
                "branches:" + String.join(",", branches.stream().map(Branch::id).toList()));
        return pool.call(
                key,
                rows,
                (k, batch) -> {
                    int n = batch.size();
                    Outputs out = graph(model, weights)
                            .branchGradients(weights, branches, inputs(batch), n, seeds(batch), sources(batch));
                    int last = out.values().size() - 1;
                    List<BranchGradients> r = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        List<LayerGradient> per = new ArrayList<>(branches.size());
                        int f = 1;
                        for (Branch b : branches) {
                            float[] act = null;
                            if (b.layer() != null) {
                                act = Rows.row(out.get(f++), n, i);
                            }
                            long[] full = out.shape(f);
                            per.add(new LayerGradient(
                                    Rows.row(out.get(0), n, i),
                                    act,
                                    Rows.row(out.get(f++), n, i),
                                    Arrays.copyOfRange(full, 1, full.length),
                                    Rows.row(out.get(last - 1), n, i),
                                    Rows.row(out.get(last), n, i)));
                        }
                        r.add(new BranchGradients(
                                Rows.row(out.get(0), n, i),
                                Rows.row(out.get(last - 1), n, i),
                                Rows.row(out.get(last), n, i),
                                per));
                    }
                    return r;
                },
                deadline,
                spansRows(rows));
    }

    /** The logits of each row when the layer's output is replaced by the row's activations. */
    public List<float[]> logitsFromLayer(LoadedModel model, LayerInfo layer, List<LayerRow> rows, Duration deadline) {
        return logitsFromLayer(model, null, layer, rows, deadline);
    }

    /** Logits from a layer with some weights replaced ({@code null}: the served graph). */
    public List<float[]> logitsFromLayer(
            LoadedModel model, WeightValues weights, LayerInfo layer, List<LayerRow> rows, Duration deadline) {
        BatchKey key = key(model, weights, "from-layer:" + layer.name());
        return pool.call(
                key,
                rows,
                (k, batch) -> {
                    int n = batch.size();
                    Outputs out = graph(model, weights)
                            .logitsFromLayer(
                                    weights,
                                    layer,
                                    Rows.concat(
                                            batch.stream().map(LayerRow::input).toList()),
                                    Rows.concat(batch.stream()
                                            .map(LayerRow::activations)
                                            .toList()),
                                    n);
                    List<float[]> r = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        r.add(Rows.row(out.get(0), n, i));
                    }
                    return r;
                },
                deadline);
    }

    /** Rows of different weights never share a run: the key names the weights. */
    private static BatchKey key(LoadedModel model, WeightValues weights, String program) {
        return new BatchKey(
                model.descriptor().name(), weights == null ? program : "weights:" + weights.id() + ":" + program);
    }

    private static ModelGraph graph(LoadedModel model, WeightValues weights) {
        return weights == null ? model.graph() : model.graph().randomisable();
    }

    private static float[] inputs(List<Row> rows) {
        return Rows.concat(rows.stream().map(Row::input).toList());
    }

    private static float[] seeds(List<Row> rows) {
        return Rows.concat(rows.stream().map(Row::seed).toList());
    }

    /** Each row's source as a batch row index (a merged batch holds every call whole and in order), or -1. */
    private static float[] sources(List<Row> rows) {
        float[] s = new float[rows.size()];
        for (int i = 0; i < s.length; i++) {
            int back = rows.get(i).predictedFrom();
            s[i] = back < 0 ? -1f : i - back;
        }
        return s;
    }

    /** Whether a row takes its target from another row, so the pool must keep the call in one run. */
    private static boolean spansRows(List<Row> rows) {
        for (int i = 0; i < rows.size(); i++) {
            int back = rows.get(i).predictedFrom();
            if (back > i) {
                throw new IllegalArgumentException("Row " + i + " takes its target from a row before the call");
            }
            if (back > 0) {
                return true;
            }
        }
        return false;
    }
}
