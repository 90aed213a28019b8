package io.salience.api;

import io.salience.attribution.Params;
import io.salience.evaluation.ComparisonResult;
import io.salience.evaluation.EvaluationOptions;
import io.salience.evaluation.Faithfulness;
import io.salience.evaluation.MetricReport;
import io.salience.imaging.NormalizedSaliency;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON body of {@code POST /v1/models/{model}/compare}. NaN (undefined) metrics are written as null. */
final class ComparisonViews {

    private ComparisonViews() {}

    /** The whole comparison. */
    record ComparisonResponse(
            String model,
            String version,
            SaliencyViews.TargetView target,
            @Schema(description = "[h, w] of the model input, the size of every per-pixel metric") List<Integer> shape,
            @Schema(
                            description = "The region, when one was given; null otherwise",
                            types = {"object", "null"})
                    RegionView region,
            @Schema(description = "The metrics' settings as used") Map<String, Object> options,
            SelectionView selection,
            @Schema(description = "One entry per method, in the order they ran") List<MethodView> methods,
            @Schema(description = "The reference maps' metrics: random (uniform, seeded) and centre-gaussian")
                    Map<String, MetricsView> baselines,
            @Schema(description = "Milliseconds per stage: prepare, predict, methods, total")
                    Map<String, Double> timings) {

        static ComparisonResponse of(ComparisonResult r) {
            Map<String, MetricsView> baselines = new LinkedHashMap<>();
            r.baselines().forEach((k, v) -> baselines.put(k, MetricsView.of(v)));
            EvaluationOptions o = r.options();
            Map<String, Object> options = new LinkedHashMap<>();
            options.put(
                    "metrics", o.metrics().stream().sorted().map(Params::spell).toList());
            options.put("steps", o.steps());
            options.put("fill", Params.spell(o.fill()));
            options.put(
                    "fcSubset",
                    o.subsetSize(r.resized().getWidth() * r.resized().getHeight()));
            options.put("fcRuns", o.fcRuns());
            options.put("seed", o.seed());
            options.put("topPercent", o.topPercent());
            options.put("borderBand", o.borderBand());
            return new ComparisonResponse(
                    r.model(),
                    r.version(),
                    SaliencyViews.TargetView.of(r.target()),
                    List.of(r.resized().getHeight(), r.resized().getWidth()),
                    r.region() == null
                            ? null
                            : new RegionView(r.region().source(), r.region().areaFraction()),
                    options,
                    new SelectionView(
                            r.selection().by(),
                            r.selection().budgetMs(),
                            r.selection().predictMs(),
                            r.selection().metricsMs(),
                            r.selection().left(),
                            r.selection().notApplicable()),
                    r.entries().stream().map(MethodView::of).toList(),
                    baselines,
                    r.timings());
        }
    }

    /**
     * The region.
     *
     * @param source {@code mask} or {@code via:N shapes}
     * @param areaFraction its share of the input's pixels
     */
    record RegionView(String source, double areaFraction) {}

    /** How the methods were chosen. */
    record SelectionView(
            @Schema(description = "request (named by methods) or budget") String by,
            long budgetMs,
            @Schema(description = "Measured milliseconds of one prediction of this image") double predictMs,
            @Schema(description = "Measured milliseconds of the metrics of one map (the random map's)")
                    double metricsMs,
            @Schema(description = "Methods left out by the budget, with their estimated milliseconds")
                    Map<String, Double> left,
            @Schema(description = "Methods chosen by the budget that the model cannot take, with the reason")
                    Map<String, String> notApplicable) {}

    /** One method. */
    record MethodView(
            String method,
            @Schema(description = "As /saliency reports them") Map<String, String> parameters,
            @Schema(
                            description = "The explained layer (CAM methods); null otherwise",
                            types = {"string", "null"})
                    String layer,
            @Schema(description = "[h, w] of map") List<Integer> shape,
            @Schema(description = "The normalised map in [0, 1], row-major, as /saliency's JSON") float[] map,
            MetricsView metrics,
            @Schema(description = "The estimated milliseconds it was chosen by") double estimatedMs,
            @Schema(description = "Milliseconds per stage of its explanation, and of its metrics")
                    Map<String, Double> timings) {

        static MethodView of(ComparisonResult.Entry e) {
            NormalizedSaliency n = e.result().normalized();
            Map<String, Double> timings = new LinkedHashMap<>(e.result().timings());
            timings.put("metrics", e.metrics().millis());
            return new MethodView(
                    e.method(),
                    e.result().parameters(),
                    e.result().layer(),
                    List.of(n.height(), n.width()),
                    n.values(),
                    MetricsView.of(e.metrics()),
                    e.estimatedMs(),
                    timings);
        }
    }

    /** One map's metrics; a part not asked for or not applicable is null. */
    record MetricsView(
            @Schema(
                            description = "Deletion curve: lower auc is better",
                            types = {"object", "null"})
                    CurveView deletion,
            @Schema(
                            description = "Insertion curve: higher auc is better",
                            types = {"object", "null"})
                    CurveView insertion,
            @Schema(
                            description = "Pearson correlation of subset sums and logit drops (higher is better); null"
                                    + " when undefined",
                            types = {"number", "null"})
                    Double faithfulnessCorrelation,
            @Schema(
                            description = "Needs a region",
                            types = {"object", "null"})
                    LocalisationView localisation,
            @Schema(types = {"object", "null"}) BorderView border,
            @Schema(
                            description = "integrated-gradients only",
                            types = {"number", "null"})
                    Double completenessGap) {

        static MetricsView of(MetricReport m) {
            return new MetricsView(
                    CurveView.of(m.deletion()),
                    CurveView.of(m.insertion()),
                    finite(m.faithfulnessCorrelation()),
                    m.localisation() == null
                            ? null
                            : new LocalisationView(
                                    m.localisation().pointingGame(),
                                    finite(m.localisation().energyInside()),
                                    m.localisation().areaFraction(),
                                    m.localisation().topPercent(),
                                    finite(m.localisation().topIou())),
                    m.border() == null
                            ? null
                            : new BorderView(
                                    m.border().band(),
                                    finite(m.border().energy()),
                                    m.border().areaFraction()),
                    finite(m.completenessGap()));
        }
    }

    /** A deletion or insertion curve of the target's probability. */
    record CurveView(
            @Schema(description = "Trapezoid area over the pixel fraction 0..1") double auc,
            @Schema(description = "Fraction of pixels removed or inserted at each point") double[] fractions,
            @Schema(description = "The target's probability at each point") float[] scores) {
        static CurveView of(Faithfulness.Curve c) {
            return c == null ? null : new CurveView(c.auc(), c.fractions(), c.scores());
        }
    }

    /** Region metrics. */
    record LocalisationView(
            @Schema(description = "A maximum of the map is inside the region") boolean pointingGame,
            @Schema(
                            description = "Fraction of the map's mass inside the region",
                            types = {"number", "null"})
                    Double energyInside,
            @Schema(description = "The region's share of the pixels: what a constant map scores") double areaFraction,
            @Schema(description = "k of the top-k % IoU") double topPercent,
            @Schema(
                            description = "IoU of the top-k % pixels with the region",
                            types = {"number", "null"})
                    Double topIou) {}

    /** Border bias. */
    record BorderView(
            @Schema(description = "The band's width, a fraction of each side") double band,
            @Schema(
                            description = "Fraction of the map's mass in the band",
                            types = {"number", "null"})
                    Double energy,
            @Schema(description = "The band's share of the pixels: what a constant map scores") double areaFraction) {}

    private static Double finite(Double v) {
        return v == null || !Double.isFinite(v) ? null : v;
    }
}
