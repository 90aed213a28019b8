package io.salience.attribution;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.salience.config.RequestLimits;
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
                .filter(s -> (m.usesLayer() || s != SaliencyQuery.LAYER) && s != SaliencyQuery.METHODS)
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
        return explainAll(modelName, query, List.of(query.method()), image, baseline, progress)
                .maps()
                .get(0);
    }

    /**
     * Several maps of one image for one target: the upload is decoded and preprocessed once, the target is picked
     * once, and the methods whose whole work is backward branches on the input ({@link SaliencyMethod#branches})
     * share one forward pass in one session run. Each method takes the request's parameters it declares; a parameter
     * no named method takes is refused. The request's row cap counts every method's rows.
     *
     * @param names the methods, at least one, each at most once
     * @param progress receives the progress of the whole request
     */
    public SaliencyResults explainAll(
            String modelName,
            SaliencyQuery query,
            List<String> names,
            byte[] image,
            byte[] baseline,
            Progress progress) {
        List<SaliencyMethod> chosen = new ArrayList<>();
        for (String name : names) {
            SaliencyMethod m = method(name);
            if (chosen.contains(m)) {
                throw new InvalidParameterException("methods", "methods names " + m.name() + " twice");
            }
            chosen.add(m);
        }
        boolean several = chosen.size() > 1;
        if (several) {
            checkSharedParams(chosen, query, baseline != null);
        }
        List<Params> params = new ArrayList<>();
        List<Map<String, String>> used = new ArrayList<>();
        for (SaliencyMethod m : chosen) {
            Params p = new Params(methodParams(m, query, baseline != null, several));
            Map<String, String> u = new LinkedHashMap<>();
            u.put("target", null);
            u.putAll(p.validate(m.parameters()));
            params.add(p);
            used.add(u);
        }
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
        int height = model.descriptor().input().height();
        int width = model.descriptor().input().width();
        long planned = 1;
        for (int i = 0; i < chosen.size(); i++) {
            planned += chosen.get(i).plannedRows(params.get(i), height, width);
        }
        if (planned > maxRows) {
            throw new WorkLimitException(planned, maxRows);
        }

        List<String> labels = model.descriptor().labels();
        Target parsed = Target.parse(query.target(), labels, labels.size() == 1 ? 0 : -1);
        // the predicted class is picked inside the first session run, which also gives the prediction
        TargetSeed target = parsed.index() < 0 ? TargetSeed.predicted(model) : TargetSeed.of(model, parsed);
        PooledGraphAccess pooled =
                new PooledGraphAccess(runner, model, query.timeout(), null, target, prepared.tensor());
        List<AttributionContext> contexts = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            contexts.add(new AttributionContext(
                    model,
                    prepared,
                    preparedBaseline,
                    target,
                    params.get(i),
                    pooled,
                    scaled(progress, i, chosen.size())));
        }
        GraphAccess graph = SharedBranches.run(chosen, contexts, pooled, prepared.tensor());
        long t3 = System.nanoTime();
        if (several) {
            timings.put("shared", ms(t3 - t2));
        }

        List<SaliencyResult> maps = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            SaliencyMethod method = chosen.get(i);
            long start = System.nanoTime();
            Timer.Sample sample = Timer.start(meters);
            SaliencyMap map = method.compute(contexts.get(i).withGraph(graph));
            sample.stop(Timer.builder("salience.explanations")
                    .description("Saliency computations, decode and rendering excluded")
                    .tag("model", modelName)
                    .tag("method", method.name())
                    .publishPercentileHistogram()
                    .register(meters));
            pooled.observe();
            long done = System.nanoTime();
            Map<String, Double> own = new LinkedHashMap<>();
            own.put("decode", timings.get("decode"));
            own.put("preprocess", timings.get("preprocess"));
            // a single map's compute includes the shared run (guided Grad-CAM's two branches)
            own.put("compute", ms(done - (several ? start : t2)));
            maps.add(result(model, method, used.get(i), map, target, query, decoded, prepared, own, image, baseline));
            own.put("normalize", ms(System.nanoTime() - done));
        }
        timings.put("total", ms(System.nanoTime() - t0));
        return new SaliencyResults(maps, timings);
    }

    private SaliencyResult result(
            LoadedModel model,
            SaliencyMethod method,
            Map<String, String> used,
            SaliencyMap map,
            TargetSeed target,
            SaliencyQuery query,
            DecodedImage decoded,
            PreparedImage prepared,
            Map<String, Double> timings,
            byte[] image,
            byte[] baseline) {
        List<String> labels = model.descriptor().labels();
        Target explained = target.target();
        NormalizedSaliency normalized = SaliencyNormalizer.normalize(
                map.values(), map.height(), map.width(), map.channels(), query.normalization());
        used.put("target", explained.describe(labels));
        if (map.layer() != null) {
            used.put("layer", map.layer());
        }
        return new SaliencyResult(
                model.descriptor().name(),
                model.descriptor().version(),
                method.name(),
                used,
                new SaliencyResult.ExplainedTarget(
                        explained.index(),
                        explained.describe(labels),
                        explained.contrast() >= 0 ? explained.contrast() : null,
                        target.score(),
                        target.probabilities()[explained.index()]),
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

    /** Method {@code i} of {@code n} reports a share of the request's progress. */
    private static Progress scaled(Progress progress, int i, int n) {
        if (n == 1 || progress == Progress.NONE) {
            return progress;
        }
        return (done, total, step) -> {
            long scale = Math.max(1, total);
            progress.update((long) i * scale + done, (long) n * scale, step);
        };
    }

    /**
     * With several methods, every parameter must be taken by at least one of them (each method then reads its own).
     */
    private static void checkSharedParams(List<SaliencyMethod> methods, SaliencyQuery query, boolean baseline) {
        Set<String> valid = new LinkedHashSet<>();
        for (SaliencyMethod m : methods) {
            commonParameters(m).forEach(s -> valid.add(s.name()));
            m.parameters().forEach(s -> valid.add(s.name()));
        }
        List<String> names = methods.stream().map(SaliencyMethod::name).toList();
        for (String name : query.methodParams().keySet()) {
            if (!valid.contains(name)) {
                throw new InvalidParameterException(
                        name, "unknown parameter '" + name + "': none of " + names + " takes it; valid: " + valid);
            }
        }
        if (query.layer() != null && methods.stream().noneMatch(SaliencyMethod::usesLayer)) {
            throw new InvalidParameterException("layer", "none of " + names + " takes a layer");
        }
        if (baseline && methods.stream().noneMatch(m -> takes(m, "baseline"))) {
            throw new InvalidParameterException(
                    "baselineImage", "none of " + names + " takes a baseline image; integrated-gradients does");
        }
    }

    private static boolean takes(SaliencyMethod m, String param) {
        return m.parameters().stream().anyMatch(s -> s.name().equals(param));
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
        TargetSeed target = TargetSeed.seeded(seed);
        PooledGraphAccess graph = new PooledGraphAccess(runner, model, timeout, weights, target, image.tensor());
        return method.compute(new AttributionContext(model, image, null, target, p, graph, progress));
    }

    /**
     * The parameters the method reads: its own, checked for unknown names, plus {@code layer} for the CAM family. An
     * uploaded baseline means {@code baseline=uploaded} unless another baseline is named.
     */
    private static Map<String, String> methodParams(
            SaliencyMethod method, SaliencyQuery query, boolean baseline, boolean several) {
        Set<String> own = new LinkedHashSet<>();
        method.parameters().forEach(s -> own.add(s.name()));
        if (several) {
            // checked across the methods by checkSharedParams; each method takes what it declares
            Map<String, String> raw = new LinkedHashMap<>();
            query.methodParams().forEach((k, v) -> {
                if (own.contains(k)) {
                    raw.put(k, v);
                }
            });
            if (query.layer() != null && method.usesLayer()) {
                raw.put("layer", query.layer());
            }
            if (baseline && own.contains("baseline")) {
                raw.putIfAbsent("baseline", "uploaded");
            }
            return raw;
        }
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
