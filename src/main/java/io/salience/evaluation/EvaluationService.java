package io.salience.evaluation;

import io.salience.engine.Rows;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;

/**
 * Computes the faithfulness, localisation and border metrics of per-pixel maps of one input. Every model call goes
 * through the {@link ModelRunner} (and so the inference pool), in batches of at most {@code salience.pool.max-batch}
 * rows.
 */
@Service
public class EvaluationService {

    private final ModelRunner runner;

    public EvaluationService(ModelRunner runner) {
        this.runner = runner;
    }

    /**
     * What is evaluated: one model input and its target, with what every map of it shares (the filled tensor, the
     * random subsets).
     *
     * @param input the model input {@code [height, width, channels]}
     * @param targetIndex the class whose probability the deletion and insertion curves follow
     * @param seed the target's logit seed (faithfulness correlation follows {@code seed · logits})
     * @param region the region, or null
     * @param fill the filled tensor
     * @param subsets the faithfulness-correlation subsets
     */
    public record Subject(
            LoadedModel model,
            float[] input,
            int height,
            int width,
            int channels,
            int targetIndex,
            float[] seed,
            Region region,
            EvaluationOptions options,
            float[] fill,
            List<int[]> subsets,
            Duration deadline) {

        /** The subject of {@code input}, checking the options against its size. */
        public static Subject of(
                LoadedModel model,
                float[] input,
                int height,
                int width,
                int channels,
                int targetIndex,
                float[] seed,
                Region region,
                EvaluationOptions options,
                Duration deadline) {
            int pixels = height * width;
            options.check(pixels);
            List<int[]> subsets = options.metrics().contains(EvaluationOptions.Metric.FAITHFULNESS_CORRELATION)
                    ? Faithfulness.randomSubsets(pixels, options.subsetSize(pixels), options.fcRuns(), options.seed())
                    : List.of();
            return new Subject(
                    model,
                    input,
                    height,
                    width,
                    channels,
                    targetIndex,
                    seed,
                    region,
                    options,
                    options.fill().apply(input, height, width, channels),
                    subsets,
                    deadline);
        }
    }

    /** The target's probability of each input (softmax or sigmoid, as the model's output). */
    public Scorer probability(Subject s) {
        return inputs -> {
            List<ModelRunner.Prediction> r = runner.predict(s.model(), inputs, s.deadline());
            float[] out = new float[r.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = s.model().probabilities(r.get(i).logits(), r.get(i).output(), 0)[s.targetIndex()];
            }
            return out;
        };
    }

    /** The target's logit ({@code seed · logits}) of each input. */
    public Scorer logit(Subject s) {
        return inputs -> {
            List<ModelRunner.Prediction> r = runner.predict(s.model(), inputs, s.deadline());
            float[] out = new float[r.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = Rows.dot(s.seed(), r.get(i).logits());
            }
            return out;
        };
    }

    /**
     * The metrics of one per-pixel map.
     *
     * @param map {@code height * width} non-negative values ({@link PixelMaps#of})
     * @param extras the method's extras (for the completeness gap), or an empty map
     */
    public MetricReport evaluate(Subject s, float[] map, Map<String, Object> extras) {
        return evaluate(s, map, extras, probability(s), logit(s), runner.maxBatch());
    }

    /** {@link #evaluate} with the given scorers (tests use models without a pool). */
    public static MetricReport evaluate(
            Subject s, float[] map, Map<String, Object> extras, Scorer probability, Scorer logit, int maxBatch) {
        long t0 = System.nanoTime();
        EvaluationOptions o = s.options();
        var metrics = o.metrics();
        Faithfulness.Curve deletion = metrics.contains(EvaluationOptions.Metric.DELETION)
                ? Faithfulness.deletion(s.input(), s.channels(), map, s.fill(), o.steps(), probability, maxBatch)
                : null;
        Faithfulness.Curve insertion = metrics.contains(EvaluationOptions.Metric.INSERTION)
                ? Faithfulness.insertion(s.input(), s.channels(), map, s.fill(), o.steps(), probability, maxBatch)
                : null;
        Double fc = metrics.contains(EvaluationOptions.Metric.FAITHFULNESS_CORRELATION)
                ? Faithfulness.correlation(s.input(), s.channels(), map, s.fill(), s.subsets(), logit, maxBatch)
                : null;
        MetricReport.LocalisationScores loc = null;
        if (s.region() != null && metrics.contains(EvaluationOptions.Metric.LOCALISATION)) {
            boolean[] r = s.region().mask();
            double area = Localisation.areaFraction(r);
            double k = o.topPercent() == 0 ? 100 * area : o.topPercent();
            loc = new MetricReport.LocalisationScores(
                    Localisation.pointingGame(map, r),
                    Localisation.energyInside(map, r),
                    area,
                    k,
                    Localisation.topIou(map, r, k));
        }
        MetricReport.BorderScores border = null;
        if (metrics.contains(EvaluationOptions.Metric.BORDER)) {
            boolean[] band = Localisation.borderMask(s.height(), s.width(), o.borderBand());
            border = new MetricReport.BorderScores(
                    o.borderBand(), Localisation.energyInside(map, band), Localisation.areaFraction(band));
        }
        Double gap = null;
        if (metrics.contains(EvaluationOptions.Metric.COMPLETENESS)
                && extras.get("completenessGap") instanceof Number n) {
            gap = n.doubleValue();
        }
        double ms = Math.round((System.nanoTime() - t0) / 10_000.0) / 100.0;
        return new MetricReport(deletion, insertion, fc, loc, border, gap, ms);
    }
}
