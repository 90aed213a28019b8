package io.salience.model;

import io.salience.engine.LayerInfo;
import io.salience.engine.ModelGraph;
import io.salience.engine.Rule;
import io.salience.inference.BatchKey;
import io.salience.inference.InferencePool;
import java.time.Duration;
import java.util.ArrayList;
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
     * One row to run: an input tensor and, for gradient graphs, its seed row.
     *
     * @param input {@code [H, W, C]}
     * @param seed the seed row over the graph's logits, or null for prediction
     */
    public record Row(float[] input, float[] seed) {}

    /**
     * One row's results.
     *
     * @param logits the graph's logits row
     * @param output the signature's output row (prediction only)
     * @param activations the layer's activations (layer gradients only)
     * @param gradient the gradient w.r.t. the input or the layer (gradients only)
     * @param shape shape of {@code gradient} without the batch dimension
     */
    public record Result(float[] logits, float[] output, float[] activations, float[] gradient, long[] shape) {}

    /** Logits and signature outputs of each input. */
    public List<Result> predict(LoadedModel model, List<float[]> inputs, Duration deadline) {
        List<Row> rows = inputs.stream().map(x -> new Row(x, null)).toList();
        return pool.call(
                new BatchKey(model.descriptor().name(), "predict"),
                rows,
                (key, batch) -> {
                    ModelGraph.Outputs out = model.graph().predict(concat(batch, model.inputLength()), batch.size());
                    return split(out, batch.size(), false);
                },
                deadline);
    }

    /** Gradients of {@code seed · logits} w.r.t. each input under a rectifier rule. */
    public List<Result> inputGradients(LoadedModel model, Rule rule, List<Row> rows, Duration deadline) {
        BatchKey key = new BatchKey(
                model.descriptor().name(), "input-gradient:" + rule.name().toLowerCase());
        return pool.call(
                key,
                rows,
                (k, batch) -> {
                    ModelGraph.Outputs out = model.graph()
                            .inputGradients(rule, concat(batch, model.inputLength()), batch.size(), seeds(batch));
                    return split(out, batch.size(), true);
                },
                deadline);
    }

    /** A layer's activations and gradients for each row. */
    public List<Result> layerGradients(
            LoadedModel model, LayerInfo layer, Rule rule, List<Row> rows, Duration deadline) {
        BatchKey key = new BatchKey(
                model.descriptor().name(),
                "layer-gradient:" + layer.name() + ":" + rule.name().toLowerCase());
        return pool.call(
                key,
                rows,
                (k, batch) -> {
                    ModelGraph.Outputs out = model.graph()
                            .layerGradients(
                                    layer, rule, concat(batch, model.inputLength()), batch.size(), seeds(batch));
                    return split(out, batch.size(), true);
                },
                deadline);
    }

    private static float[] concat(List<Row> rows, int per) {
        float[] batch = new float[rows.size() * per];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i).input(), 0, batch, i * per, per);
        }
        return batch;
    }

    private static float[] seeds(List<Row> rows) {
        int k = rows.get(0).seed().length;
        float[] s = new float[rows.size() * k];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i).seed(), 0, s, i * k, k);
        }
        return s;
    }

    /** Splits fetched batch tensors into rows: [logits, output] or [logits, (activations,) gradient]. */
    private static List<Result> split(ModelGraph.Outputs out, int n, boolean gradient) {
        List<Result> results = new ArrayList<>(n);
        int count = out.values().size();
        for (int i = 0; i < n; i++) {
            float[] logits = row(out.get(0), n, i);
            if (!gradient) {
                results.add(new Result(logits, row(out.get(1), n, i), null, null, null));
                continue;
            }
            float[] act = count == 3 ? row(out.get(1), n, i) : null;
            long[] full = out.shape(count - 1);
            long[] shape = java.util.Arrays.copyOfRange(full, 1, full.length);
            results.add(new Result(logits, null, act, row(out.get(count - 1), n, i), shape));
        }
        return results;
    }

    private static float[] row(float[] all, int n, int i) {
        int per = all.length / n;
        float[] r = new float[per];
        System.arraycopy(all, i * per, r, 0, per);
        return r;
    }
}
