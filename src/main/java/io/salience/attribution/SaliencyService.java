package io.salience.attribution;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.salience.config.RequestLimits;
import io.salience.engine.Rows;
import io.salience.imaging.DecodedImage;
import io.salience.imaging.NormalizedSaliency;
import io.salience.imaging.PreparedImage;
import io.salience.imaging.RenderMode;
import io.salience.imaging.RenderSize;
import io.salience.imaging.SaliencyNormalizer;
import io.salience.inference.DecodePool;
import io.salience.inference.InferencePool;
import io.salience.inference.WorkLimitException;
import io.salience.model.LoadedModel;
import io.salience.model.ModelDigest;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelRunner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.stereotype.Service;

/** Explains one image: decode, preprocess, resolve the target, run the method through the pool, normalise. */
@Service
public class SaliencyService {

    /** Spellings of method names that a query string cannot carry as they are. */
    private static final Map<String, String> ALIASES = Map.of("grad-cam-plus-plus", "grad-cam++");

    private final Map<String, SaliencyMethod> methods = new TreeMap<>();
    private final ModelRegistry registry;
    private final DecodePool decoder;
    private final ModelRunner runner;
    private final MeterRegistry meters;
    private final RequestLimits limits;
    private final InferencePool pool;

    public SaliencyService(
            List<SaliencyMethod> methods,
            ModelRegistry registry,
            DecodePool decoder,
            ModelRunner runner,
            MeterRegistry meters,
            RequestLimits limits,
            InferencePool pool) {
        for (SaliencyMethod m : methods) {
            this.methods.put(m.name(), m);
        }
        this.registry = registry;
        this.decoder = decoder;
        this.runner = runner;
        this.meters = meters;
        this.limits = limits;
        this.pool = pool;
    }

    /**
     * Decodes an upload for a model as every endpoint must: on the bounded decode pool, under the request's
     * deadline, within the model's pixel cap.
     */
    public DecodedImage decode(LoadedModel model, byte[] image) {
        return decoder.decode(image, limits.maxPixels(model.descriptor()));
    }

    /** Every method by name. */
    public Map<String, SaliencyMethod> methods() {
        return methods;
    }

    /** The common parameters that apply to a method, in documentation order. */
    public static List<ParamSpec> commonParameters(SaliencyMethod m) {
        return SaliencyQuery.COMMON.stream()
                .filter(s -> m.usesLayer() || s != SaliencyQuery.LAYER)
                .toList();
    }

    /** The method of that name (or alias); 400 listing the valid names otherwise. */
    public SaliencyMethod method(String name) {
        SaliencyMethod m = name == null ? null : methods.get(ALIASES.getOrDefault(name, name));
        if (m == null) {
            String hint = name != null && name.contains(" ")
                    ? " (a '+' in a query string is a space: write grad-cam++ as grad-cam%2B%2B, or use"
                            + " grad-cam-plus-plus)"
                    : "";
            throw new InvalidParameterException(
                    "method",
                    "method must be one of " + methods.keySet() + " or an alias " + ALIASES.keySet() + ", got '" + name
                            + "'" + hint);
        }
        return m;
    }

    /**
     * Explains one image.
     *
     * @param modelName the model
     * @param query the request's parameters
     * @param image the uploaded image
     * @param baseline an uploaded baseline image for integrated gradients, or null
     */
    public SaliencyResult explain(String modelName, SaliencyQuery query, byte[] image, byte[] baseline) {
        return explain(modelName, query, image, baseline, Progress.NONE);
    }

    /**
     * Explains one image, reporting the method's progress.
     *
     * @param progress receives the method's progress (for jobs and the viewer)
     */
    public SaliencyResult explain(
            String modelName, SaliencyQuery query, byte[] image, byte[] baseline, Progress progress) {
        SaliencyMethod method = method(query.method());
        Map<String, String> raw = methodParams(method, query, baseline != null);
        Params p = new Params(raw);
        Map<String, String> used = new LinkedHashMap<>();
        used.put("target", null);
        used.putAll(p.validate(method.parameters()));
        LoadedModel model = registry.ready(modelName);
        long maxRows = limits.maxRows(model.descriptor());
        // one budget for the whole request: timeoutMs counts from admission, over decode, every pool call, render
        pool.limitRequest(query.timeout(), maxRows);

        Map<String, Double> timings = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        long maxPixels = limits.maxPixels(model.descriptor());
        DecodedImage decoded = decoder.decode(image, maxPixels);
        DecodedImage decodedBaseline = baseline == null ? null : decoder.decode(baseline, maxPixels);
        long t1 = System.nanoTime();
        if (query.rendering().size() == RenderSize.ORIGINAL
                && (long) decoded.width() * decoded.height() > limits.maxOutputPixels()) {
            throw new InvalidParameterException(
                    "size",
                    "size=original would render " + decoded.width() + "x" + decoded.height() + " pixels, more than "
                            + limits.maxOutputPixels() + " (salience.api.max-output-pixels); use size=model");
        }
        timings.put("decode", ms(t1 - t0));
        PreparedImage prepared = model.descriptor().prepare(decoded.image());
        PreparedImage preparedBaseline =
                decodedBaseline == null ? null : model.descriptor().prepare(decodedBaseline.image());
        long t2 = System.nanoTime();
        timings.put("preprocess", ms(t2 - t1));
        long planned = 1
                + method.plannedRows(
                        p,
                        model.descriptor().input().height(),
                        model.descriptor().input().width());
        if (planned > maxRows) {
            throw new WorkLimitException(planned, maxRows);
        }

        ModelRunner.Prediction pred = runner.predict(model, List.of(prepared.tensor()), query.timeout())
                .get(0);
        float[] probs = model.probabilities(pred.logits(), pred.output(), 0);
        List<String> labels = model.descriptor().labels();
        Target target = Target.parse(query.target(), labels, Rows.argmax(probs));
        float[] seed = model.seed(target.index());
        if (target.contrast() >= 0) {
            float[] other = model.seed(target.contrast());
            for (int i = 0; i < seed.length; i++) {
                seed[i] -= other[i];
            }
        }
        float score = Rows.dot(seed, pred.logits());
        AttributionContext ctx = new AttributionContext(
                model,
                prepared,
                preparedBaseline,
                seed,
                score,
                p,
                new PooledGraphAccess(runner, model, query.timeout()),
                progress);
        Timer.Sample sample = Timer.start(meters);
        SaliencyMap map = method.compute(ctx);
        sample.stop(Timer.builder("salience.explanations")
                .description("Saliency computations, decode and rendering excluded")
                .tag("model", modelName)
                .tag("method", method.name())
                .publishPercentileHistogram()
                .register(meters));
        long t3 = System.nanoTime();
        timings.put("compute", ms(t3 - t2));
        NormalizedSaliency normalized = SaliencyNormalizer.normalize(
                map.values(), map.height(), map.width(), map.channels(), query.normalization());
        timings.put("normalize", ms(System.nanoTime() - t3));

        used.put("target", target.describe(labels));
        if (map.layer() != null) {
            used.put("layer", map.layer());
        }
        return new SaliencyResult(
                model.descriptor().name(),
                model.descriptor().version(),
                method.name(),
                used,
                new SaliencyResult.ExplainedTarget(
                        target.index(),
                        target.describe(labels),
                        target.contrast() >= 0 ? target.contrast() : null,
                        score,
                        probs[target.index()]),
                map.layer(),
                map,
                normalized,
                query.rendering(),
                decoded.image(),
                prepared.resized(),
                timings,
                new SaliencyResult.Provenance(
                        UUID.randomUUID().toString(),
                        model.sha256(),
                        ModelDigest.sha256Hex(image),
                        baseline == null ? null : ModelDigest.sha256Hex(baseline)));
    }

    /**
     * A method's raw map of a prepared image with the method's default parameters, on the served graph or, with
     * {@code weights}, on the model's randomisable copy with those weights replaced (the model parameter
     * randomisation test). Every run goes through the pool; the served graph is never changed.
     *
     * @param seed the seed row selecting the explained target
     * @param weights replaced weights, or null for the served model
     * @param timeout the deadline of each pool call, or null for the pool's default
     */
    public SaliencyMap rawMap(
            SaliencyMethod method,
            LoadedModel model,
            PreparedImage image,
            float[] seed,
            io.salience.engine.WeightValues weights,
            java.time.Duration timeout,
            Progress progress) {
        Params p = new Params(Map.of());
        p.validate(method.parameters());
        GraphAccess graph = new PooledGraphAccess(runner, model, timeout, weights);
        float score = graph.scores(List.of(image.tensor()), seed)[0];
        return method.compute(new AttributionContext(model, image, null, seed, score, p, graph, progress));
    }

    /**
     * The parameters the method reads: its own, checked for unknown names, plus {@code layer} for the CAM family. An
     * uploaded baseline means {@code baseline=uploaded} unless another baseline is named.
     */
    private static Map<String, String> methodParams(SaliencyMethod method, SaliencyQuery query, boolean baseline) {
        Set<String> own = new LinkedHashSet<>();
        method.parameters().forEach(s -> own.add(s.name()));
        for (String name : query.methodParams().keySet()) {
            if (!own.contains(name)) {
                List<String> valid = new ArrayList<>();
                commonParameters(method).forEach(s -> valid.add(s.name()));
                valid.addAll(own);
                throw new InvalidParameterException(
                        name, "unknown parameter '" + name + "' for method " + method.name() + "; valid: " + valid);
            }
        }
        if (query.rendering().mode() == RenderMode.SEGMENTS && !method.segmentBased()) {
            throw new InvalidParameterException(
                    "render", "render=segments needs a segment-based method (lime); " + method.name() + " is not");
        }
        if (query.layer() != null && !method.usesLayer()) {
            throw new InvalidParameterException("layer", "method " + method.name() + " takes no layer");
        }
        Map<String, String> raw = new LinkedHashMap<>(query.methodParams());
        if (query.layer() != null) {
            raw.put("layer", query.layer());
        }
        if (baseline) {
            if (!own.contains("baseline")) {
                throw new InvalidParameterException(
                        "baselineImage",
                        "method " + method.name() + " takes no baseline image; integrated-gradients does");
            }
            raw.putIfAbsent("baseline", "uploaded");
        }
        return raw;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
