package io.salience.evaluation;

import io.salience.attribution.SaliencyResult;
import io.salience.imaging.ColorMap;
import java.awt.image.BufferedImage;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A comparison of methods on one image: each method's explanation and metrics, the reference maps' metrics, and how
 * the methods were chosen. The PNG panel and the JSON view are drawn from it.
 *
 * @param model the model name
 * @param version its version
 * @param target what was explained (the same for every method)
 * @param original the uploaded picture
 * @param resized the picture at the model's input size
 * @param region the region, or null
 * @param entries one per method, in the order they ran
 * @param baselines the reference maps' metrics: {@code random} and {@code centre-gaussian}
 * @param selection how the methods were chosen
 * @param options the metrics' settings
 * @param colorMap the panel's colour map
 * @param timings milliseconds per stage
 */
public record ComparisonResult(
        String model,
        String version,
        SaliencyResult.ExplainedTarget target,
        BufferedImage original,
        BufferedImage resized,
        Region region,
        List<Entry> entries,
        Map<String, MetricReport> baselines,
        Selection selection,
        EvaluationOptions options,
        ColorMap colorMap,
        Map<String, Double> timings) {

    public ComparisonResult {
        entries = List.copyOf(entries);
        baselines = Collections.unmodifiableMap(new LinkedHashMap<>(baselines));
        timings = Collections.unmodifiableMap(new LinkedHashMap<>(timings));
    }

    /**
     * One method's part.
     *
     * @param method the method name
     * @param result its explanation, as {@code /saliency} returns it
     * @param pixels the per-pixel map the metrics read ({@link PixelMaps#of})
     * @param metrics its metrics
     * @param estimatedMs the estimated time it was chosen by
     */
    public record Entry(
            String method, SaliencyResult result, float[] pixels, MetricReport metrics, double estimatedMs) {}

    /**
     * How the methods were chosen.
     *
     * @param by {@code request} (named) or {@code budget}
     * @param budgetMs the budget
     * @param predictMs the measured time of one prediction of this image
     * @param metricsMs the measured time of the metrics of one map (the random map's)
     * @param left the methods left out by the budget, with their estimated milliseconds
     * @param notApplicable methods chosen by the budget that the model cannot take, with the reason
     */
    public record Selection(
            String by,
            long budgetMs,
            double predictMs,
            double metricsMs,
            Map<String, Double> left,
            Map<String, String> notApplicable) {}
}
