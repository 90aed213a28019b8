package io.salience.evaluation;

import io.salience.attribution.Progress;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.SaliencyQuery;
import io.salience.attribution.SaliencyResult;
import io.salience.attribution.SaliencyService;
import io.salience.attribution.Target;
import io.salience.attribution.TargetSeed;
import io.salience.engine.Rows;
import io.salience.graph.UnsupportedModelException;
import io.salience.imaging.DecodedImage;
import io.salience.imaging.ImageDecoder;
import io.salience.imaging.PreparedImage;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelRunner;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;

/**
 * Compares saliency methods on one image: explains it with all of them in one request ({@link
 * SaliencyService#explainAll}, so each map is what {@code /saliency} returns and the gradient and CAM methods share a
 * session run), measures each map's metrics ({@link EvaluationService}) beside a random and a
 * centre-Gaussian map, and chooses the methods by a time budget when the request names none.
 */
@Service
public class ComparisonService {

    private final SaliencyService saliency;
    private final EvaluationService evaluation;
    private final ModelRegistry registry;
    private final ImageDecoder decoder;
    private final ModelRunner runner;

    public ComparisonService(
            SaliencyService saliency,
            EvaluationService evaluation,
            ModelRegistry registry,
            ImageDecoder decoder,
            ModelRunner runner) {
        this.saliency = saliency;
        this.evaluation = evaluation;
        this.registry = registry;
        this.decoder = decoder;
        this.runner = runner;
    }

    /**
     * Runs a comparison.
     *
     * @param image the uploaded image
     * @param imageName its file name (picks the entry of a VIA project file), or null
     * @param region a region part (mask image or VIA JSON), or null
     * @param progress receives one unit per map
     */
    public ComparisonResult compare(
            String modelName, ComparisonQuery query, byte[] image, String imageName, byte[] region, Progress progress) {
        // a bad method name is a 400 before any work
        List<SaliencyMethod> named =
                query.methods().stream().map(saliency::method).toList();
        LoadedModel model = registry.ready(modelName);
        Map<String, Double> timings = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        DecodedImage decoded = saliency.decode(model, image);
        PreparedImage prepared = model.descriptor().prepare(decoded.image());
        int h = prepared.spec().height();
        int w = prepared.spec().width();
        int c = prepared.spec().channels();
        Region reg = region == null
                ? null
                : Region.read(region, decoder, imageName, decoded.width(), decoded.height(), w, h);
        timings.put("prepare", ms(System.nanoTime() - t0));

        long t1 = System.nanoTime();
        ModelRunner.Prediction pred = runner.predict(model, List.of(prepared.tensor()), query.timeout())
                .get(0);
        double predictMs = ms(System.nanoTime() - t1);
        timings.put("predict", predictMs);
        // the target as /saliency resolves it, from the same prediction rule the gradient programs apply
        List<String> labels = model.descriptor().labels();
        Target t = Target.parse(
                query.target(), labels, labels.size() == 1 ? 0 : TargetSeed.predictedClass(model, pred.logits()));
        float[] seed = TargetSeed.of(model, t).seed();
        float[] probs = model.probabilities(pred.logits(), pred.output(), 0);
        SaliencyResult.ExplainedTarget target = new SaliencyResult.ExplainedTarget(
                t.index(),
                t.describe(labels),
                t.contrast() >= 0 ? t.contrast() : null,
                Rows.dot(seed, pred.logits()),
                probs[t.index()]);
        List<ComparisonResult.Entry> entries = new ArrayList<>();
        long t2 = System.nanoTime();
        EvaluationService.Subject subject = EvaluationService.Subject.of(
                model, prepared.tensor(), h, w, c, target.index(), seed, reg, query.evaluation(), query.timeout());

        Map<String, MetricReport> baselines = new LinkedHashMap<>();
        MetricReport random = evaluation.evaluate(
                subject, PixelMaps.random(h, w, query.evaluation().seed()), Map.of());
        baselines.put("random", random);
        baselines.put("centre-gaussian", evaluation.evaluate(subject, PixelMaps.centreGaussian(h, w), Map.of()));
        double metricsMs = random.millis();

        List<String> chosen = new ArrayList<>();
        Map<String, Double> estimates = new LinkedHashMap<>();
        Map<String, Double> left = new LinkedHashMap<>();
        Map<String, String> notApplicable = new LinkedHashMap<>();
        String by;
        if (!named.isEmpty()) {
            by = "request";
            named.forEach(m -> {
                chosen.add(m.name());
                estimates.put(m.name(), MethodCosts.of(m.name()) * predictMs + metricsMs);
            });
        } else {
            by = "budget";
            double total = 0;
            List<String> byCost = saliency.methods().keySet().stream()
                    .sorted(Comparator.comparingDouble(MethodCosts::of).thenComparing(n -> n))
                    .toList();
            for (String m : byCost) {
                double est = MethodCosts.of(m) * predictMs + metricsMs;
                if (chosen.isEmpty() || total + est <= query.budgetMs()) {
                    chosen.add(m);
                    estimates.put(m, est);
                    total += est;
                } else {
                    left.put(m, round(est));
                }
            }
        }
        long units = chosen.size() + 2L;
        progress.update(2, units, "baselines");
        // the one-row methods (gradient and CAM families) in one request, where they share a session run; each
        // many-row method on its own, within its own row cap
        List<String> oneRow = new ArrayList<>();
        for (String m : chosen) {
            if (saliency.method(m).plannedRows(new io.salience.attribution.Params(Map.of()), h, w) <= 1) {
                oneRow.add(m);
            }
        }
        Map<String, SaliencyResult> shared = new LinkedHashMap<>();
        for (int from = 0; oneRow.size() > 1 && from < oneRow.size(); from += SaliencyQuery.MAX_METHODS) {
            List<String> group = oneRow.subList(from, Math.min(oneRow.size(), from + SaliencyQuery.MAX_METHODS));
            try {
                for (SaliencyResult r : saliency.explainAll(
                                modelName, query(group, t.describe(labels), query), group, image, null, Progress.NONE)
                        .maps()) {
                    shared.put(r.method(), r);
                }
            } catch (UnsupportedModelException e) {
                if (by.equals("request")) {
                    throw e;
                }
                // one of them does not apply: each runs on its own below
            }
        }
        for (String m : chosen) {
            SaliencyResult r = shared.get(m);
            if (r == null) {
                try {
                    r = saliency.explain(modelName, query(List.of(m), t.describe(labels), query), image, null);
                } catch (UnsupportedModelException e) {
                    if (by.equals("request")) {
                        throw e;
                    }
                    // chosen by the budget: a method the model cannot take is reported, not fatal
                    notApplicable.put(m, e.getMessage());
                    continue;
                }
            }
            float[] pixels = PixelMaps.of(r.map(), h, w);
            MetricReport metrics = evaluation.evaluate(subject, pixels, r.map().extras());
            entries.add(new ComparisonResult.Entry(m, r, pixels, metrics, round(estimates.get(m))));
            progress.update(entries.size() + 2L, units, m);
        }
        timings.put("methods", ms(System.nanoTime() - t2));
        timings.put("total", ms(System.nanoTime() - t0));
        return new ComparisonResult(
                model.descriptor().name(),
                model.descriptor().version(),
                target,
                decoded.image(),
                prepared.resized(),
                reg,
                entries,
                baselines,
                new ComparisonResult.Selection(by, query.budgetMs(), predictMs, metricsMs, left, notApplicable),
                query.evaluation(),
                query.colorMap(),
                timings);
    }

    /** The saliency query of the chosen methods for the resolved target. */
    private static SaliencyQuery query(List<String> methods, String target, ComparisonQuery q) {
        Map<String, String> raw = new LinkedHashMap<>();
        if (methods.size() == 1) {
            raw.put("method", methods.get(0));
        } else {
            raw.put("methods", String.join(",", methods));
        }
        raw.put("target", target);
        if (q.timeout() != null) {
            raw.put("timeoutMs", Long.toString(q.timeout().toMillis()));
        }
        return SaliencyQuery.of(raw);
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
