package io.salience.attribution;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.salience.imaging.DecodedImage;
import io.salience.imaging.NormalizationOptions;
import io.salience.imaging.NormalizedSaliency;
import io.salience.imaging.PreparedImage;
import io.salience.imaging.RenderOptions;
import io.salience.imaging.SaliencyNormalizer;
import io.salience.imaging.SaliencyRenderer;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRunner;
import io.salience.model.PredictionService;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.stereotype.Service;

/** Explains one image: decode, preprocess, resolve the target, run the method through the pool, normalise. */
@Service
public class SaliencyService {

    private final Map<String, SaliencyMethod> methods = new TreeMap<>();
    private final PredictionService predictions;
    private final ModelRunner runner;
    private final MeterRegistry meters;

    public SaliencyService(
            List<SaliencyMethod> methods, PredictionService predictions, ModelRunner runner, MeterRegistry meters) {
        for (SaliencyMethod m : methods) {
            this.methods.put(m.name(), m);
        }
        this.predictions = predictions;
        this.runner = runner;
        this.meters = meters;
    }

    /** Every method by name. */
    public Map<String, SaliencyMethod> methods() {
        return methods;
    }

    /** The method of that name; 400 listing the valid names otherwise. */
    public SaliencyMethod method(String name) {
        SaliencyMethod m = name == null ? null : methods.get(name);
        if (m == null) {
            throw new InvalidParameterException(
                    "method", "method must be one of " + methods.keySet() + ", got '" + name + "'");
        }
        return m;
    }

    /**
     * A computed explanation.
     *
     * @param model the model
     * @param method the method
     * @param parameters every method parameter with the value used (defaults filled in)
     * @param target the explained target
     * @param targetLabel its API spelling
     * @param targetScore the target logit (or logit difference) at the input
     * @param probability the target class probability
     * @param map the raw map
     * @param original the uploaded picture
     * @param prepared the model input (tensor and resized picture)
     * @param timings milliseconds per stage
     */
    public record Explanation(
            LoadedModel model,
            SaliencyMethod method,
            Map<String, String> parameters,
            Target target,
            String targetLabel,
            float targetScore,
            float probability,
            SaliencyMap map,
            DecodedImage original,
            PreparedImage prepared,
            Map<String, Double> timings) {}

    /**
     * Explains one image.
     *
     * @param modelName the model
     * @param methodName the method
     * @param image the uploaded image
     * @param baseline an uploaded baseline image, or null
     * @param params method parameters (and {@code target}, {@code layer})
     * @param deadline how long the request may wait in the pool, or null for the default
     */
    public Explanation explain(
            String modelName,
            String methodName,
            byte[] image,
            byte[] baseline,
            Map<String, String> params,
            Duration deadline) {
        SaliencyMethod method = method(methodName);
        LoadedModel model = predictions.model(modelName);
        Map<String, Double> timings = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        DecodedImage decoded = predictions.decode(image);
        long t1 = System.nanoTime();
        timings.put("decode", ms(t1 - t0));
        PreparedImage prepared = model.descriptor().prepare(decoded.image());
        PreparedImage preparedBaseline = baseline == null
                ? null
                : model.descriptor().prepare(predictions.decode(baseline).image());
        long t2 = System.nanoTime();
        timings.put("preprocess", ms(t2 - t1));

        ModelRunner.Result pred =
                runner.predict(model, List.of(prepared.tensor()), deadline).get(0);
        float[] probs = model.probabilities(pred.logits(), pred.output(), 0);
        int predicted = argmax(probs);
        Params p = new Params(params);
        Target target = Target.parse(p.raw("target"), model.descriptor().labels(), predicted);
        float[] seed = model.seed(target.index());
        if (target.contrast() >= 0) {
            float[] other = model.seed(target.contrast());
            for (int i = 0; i < seed.length; i++) {
                seed[i] -= other[i];
            }
        }
        float score = PooledGraphAccess.dot(seed, pred.logits());
        AttributionContext ctx = new AttributionContext(
                model, prepared, preparedBaseline, seed, score, p, new PooledGraphAccess(runner, model, deadline));
        Timer.Sample sample = Timer.start(meters);
        SaliencyMap map = method.compute(ctx);
        sample.stop(Timer.builder("salience.explanations")
                .description("Saliency computations, decode and rendering excluded")
                .tag("model", modelName)
                .tag("method", method.name())
                .register(meters));
        long t3 = System.nanoTime();
        timings.put("compute", ms(t3 - t2));
        Map<String, String> used = new LinkedHashMap<>();
        used.put("target", target.describe(model.descriptor().labels()));
        for (ParamSpec spec : method.parameters()) {
            String v = p.raw(spec.name());
            used.put(spec.name(), v == null ? spec.defaultValue() : v);
        }
        if (map.extras().containsKey("layer")) {
            used.put("layer", String.valueOf(map.extras().get("layer")));
        }
        return new Explanation(
                model,
                method,
                used,
                target,
                target.describe(model.descriptor().labels()),
                score,
                probs[target.index()],
                map,
                decoded,
                prepared,
                timings);
    }

    /** Normalises a map as documented (channel reduction, percentile clip, scale to [0, 1]). */
    public NormalizedSaliency normalize(Explanation e, NormalizationOptions options) {
        SaliencyMap m = e.map();
        return SaliencyNormalizer.normalize(m.values(), m.height(), m.width(), m.channels(), options);
    }

    /** Renders the PNG and records the time taken under {@code render}. */
    public byte[] render(Explanation e, NormalizationOptions norm, RenderOptions options) {
        long t0 = System.nanoTime();
        byte[] png = SaliencyRenderer.render(
                normalize(e, norm), e.original().image(), e.prepared().resized(), options);
        e.timings().put("render", ms(System.nanoTime() - t0));
        return png;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
