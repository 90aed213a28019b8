package io.salience.attribution;

import io.salience.engine.Rows;
import io.salience.engine.WeightValues;
import io.salience.graph.Branch;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link GraphAccess} for one model and request, through the {@link ModelRunner} (and so the pool); with
 * {@link WeightValues}, every run uses the model's randomisable copy with those weights replaced.
 *
 * <p>The request's first run also predicts: it includes the explained input (as the first row, added when the method
 * did not pass it) and records its logits, probabilities and target score in the {@link TargetSeed}. For the
 * predicted class, a gradient run picks the target inside the run from the explained input's logits; a prediction run
 * picks it here by the same rule. So a single-pass method takes one session run, and no method pays a separate
 * prediction run.
 */
final class PooledGraphAccess implements GraphAccess {

    private final ModelRunner runner;
    private final LoadedModel model;
    private final Duration deadline;
    private final WeightValues weights;
    private final TargetSeed target;
    private final float[] input;

    /**
     * @param target the request's target
     * @param input the explained input tensor (the methods pass this very array when they run it)
     */
    PooledGraphAccess(
            ModelRunner runner,
            LoadedModel model,
            Duration deadline,
            WeightValues weights,
            TargetSeed target,
            float[] input) {
        this.runner = runner;
        this.model = model;
        this.deadline = deadline;
        this.weights = weights;
        this.target = target;
        this.input = input;
    }

    /** The most rows per call; one less until the first run, which adds the explained input to the method's rows. */
    @Override
    public int maxBatch() {
        return Math.max(1, runner.maxBatch() - (target.observed() ? 0 : 1));
    }

    /** Runs the explained input alone, when a method finished (or needs its target) before any run included it. */
    void observe() {
        if (!target.observed()) {
            ModelRunner.Prediction p =
                    runner.predict(model, weights, List.of(input), deadline).get(0);
            target.observe(model, p.logits(), p.output(), null);
        }
    }

    @Override
    public float[] scores(List<float[]> inputs, float[] seed) {
        List<ModelRunner.Prediction> r = predictions(inputs);
        float[] s = target.resolve(seed); // known once predictions() has run the explained input
        float[] out = new float[r.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Rows.dot(s, r.get(i).logits());
        }
        return out;
    }

    @Override
    public List<float[]> logits(List<float[]> inputs) {
        return predictions(inputs).stream().map(ModelRunner.Prediction::logits).toList();
    }

    /** Predictions of the inputs; the first such call also records the explained input's. */
    private List<ModelRunner.Prediction> predictions(List<float[]> inputs) {
        if (target.observed() || inputs.isEmpty()) {
            return runner.predict(model, weights, inputs, deadline);
        }
        boolean included = inputs.get(0) == input;
        List<ModelRunner.Prediction> r = runner.predict(model, weights, withInput(inputs, included), deadline);
        target.observe(model, r.get(0).logits(), r.get(0).output(), null);
        return included ? r : r.subList(1, r.size());
    }

    @Override
    public float[] scoresFromLayer(LayerInfo layer, float[] in, List<float[]> activations, float[] seed) {
        if (target.resolve(seed) == null) {
            observe();
        }
        float[] s = target.resolve(seed);
        List<ModelRunner.LayerRow> rows =
                activations.stream().map(a -> new ModelRunner.LayerRow(in, a)).toList();
        List<float[]> logits = runner.logitsFromLayer(model, weights, layer, rows, deadline);
        float[] out = new float[logits.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Rows.dot(s, logits.get(i));
        }
        return out;
    }

    @Override
    public List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed) {
        List<Gradient> out = new ArrayList<>(inputs.size());
        for (ModelRunner.InputGradient r :
                seeded(inputs, seed, rows -> runner.inputGradients(model, weights, rule, rows, deadline), g -> g)) {
            out.add(new Gradient(Rows.dot(r.seed(), r.logits()), r.gradient()));
        }
        return out;
    }

    @Override
    public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] in, float[] seed) {
        ModelRunner.LayerGradient r = seeded(
                        List.of(in),
                        seed,
                        rows -> runner.layerGradients(model, weights, layer, rule, rows, deadline),
                        g -> new ModelRunner.InputGradient(g.logits(), null, g.output(), g.seed()))
                .get(0);
        long[] s = r.shape();
        return new LayerGradient(
                Rows.dot(r.seed(), r.logits()), r.activations(), r.gradient(), (int) s[0], (int) s[1], (int) s[2]);
    }

    /**
     * The explained input's backward branches from one forward pass, each as a {@link ModelRunner.LayerGradient}
     * (activations null for an input branch); a single branch runs its own program.
     */
    Map<Branch, ModelRunner.LayerGradient> branches(List<Branch> branches, float[] seed) {
        Map<Branch, ModelRunner.LayerGradient> out = new LinkedHashMap<>();
        if (branches.size() == 1) {
            Branch b = branches.get(0);
            if (b.layer() != null) {
                out.put(
                        b,
                        seeded(
                                        List.of(input),
                                        seed,
                                        rows -> runner.layerGradients(
                                                model, weights, b.layer(), b.rule(), rows, deadline),
                                        g -> new ModelRunner.InputGradient(g.logits(), null, g.output(), g.seed()))
                                .get(0));
            } else {
                ModelRunner.InputGradient g = seeded(
                                List.of(input),
                                seed,
                                rows -> runner.inputGradients(model, weights, b.rule(), rows, deadline),
                                x -> x)
                        .get(0);
                out.put(b, new ModelRunner.LayerGradient(g.logits(), null, g.gradient(), null, g.output(), g.seed()));
            }
            return out;
        }
        ModelRunner.BranchGradients r = seeded(
                        List.of(input),
                        seed,
                        rows -> runner.branchGradients(model, weights, branches, rows, deadline),
                        g -> new ModelRunner.InputGradient(g.logits(), null, g.output(), g.seed()))
                .get(0);
        for (int i = 0; i < branches.size(); i++) {
            out.put(branches.get(i), r.branches().get(i));
        }
        return out;
    }

    /**
     * Runs gradient rows. Once the explained input has been run, every row back-propagates the seed. Before, the
     * call's rows run with the explained input first (added if absent, within one batch), back-propagating the seed
     * or, for the predicted class, the class the first row predicts in that same run; what it answered is recorded.
     */
    private <O> List<O> seeded(
            List<float[]> inputs,
            float[] seed,
            java.util.function.Function<List<ModelRunner.Row>, List<O>> run,
            java.util.function.Function<O, ModelRunner.InputGradient> view) {
        float[] known = target.resolve(seed);
        if (target.observed() || inputs.isEmpty()) {
            return run.apply(rows(inputs, known));
        }
        boolean included = inputs.get(0) == input;
        List<float[]> all = withInput(inputs, included);
        int first = known == null ? Math.min(all.size(), runner.maxBatch()) : all.size();
        List<ModelRunner.Row> rows = new ArrayList<>(first);
        for (int i = 0; i < first; i++) {
            rows.add(known == null ? new ModelRunner.Row(all.get(i), seed, i) : new ModelRunner.Row(all.get(i), known));
        }
        List<O> out = new ArrayList<>(run.apply(rows));
        ModelRunner.InputGradient head = view.apply(out.get(0));
        target.observe(model, head.logits(), head.output(), head.seed());
        if (first < all.size()) {
            out.addAll(run.apply(rows(all.subList(first, all.size()), target.resolve(seed))));
        }
        return included ? out : out.subList(1, out.size());
    }

    private static List<ModelRunner.Row> rows(List<float[]> inputs, float[] seed) {
        return inputs.stream().map(x -> new ModelRunner.Row(x, seed)).toList();
    }

    private List<float[]> withInput(List<float[]> inputs, boolean included) {
        if (included) {
            return inputs;
        }
        List<float[]> all = new ArrayList<>(inputs.size() + 1);
        all.add(input);
        all.addAll(inputs);
        return all;
    }
}
