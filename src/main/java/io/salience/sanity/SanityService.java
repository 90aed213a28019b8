package io.salience.sanity;

import io.salience.attribution.InvalidParameterException;
import io.salience.attribution.Progress;
import io.salience.attribution.SaliencyMap;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.SaliencyService;
import io.salience.attribution.Target;
import io.salience.engine.ModelGraph;
import io.salience.engine.Rows;
import io.salience.engine.WeightInfo;
import io.salience.engine.WeightValues;
import io.salience.graph.LayerInfo;
import io.salience.imaging.MapResizer;
import io.salience.imaging.PreparedImage;
import io.salience.imaging.ResizeMethod;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelRunner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.stereotype.Service;

/**
 * The model parameter randomisation test of Adebayo et al. (2018): the methods' maps of one image on the trained
 * model, then on the model with layers re-initialised (cascading from the top, or one at a time), each compared
 * with the original map. The fresh weights are fed into the model's randomisable copy in the same session
 * ({@link ModelGraph#randomisable()}); the served graph and its variables are never changed.
 */
@Service
public class SanityService {

    private final SaliencyService saliency;
    private final ModelRegistry registry;
    private final ModelRunner runner;

    public SanityService(SaliencyService saliency, ModelRegistry registry, ModelRunner runner) {
        this.saliency = saliency;
        this.registry = registry;
        this.runner = runner;
    }

    /** A layer with weights and its variables, in forward order. */
    record WeightLayer(String name, String path, List<WeightInfo> weights) {}

    /** Runs the check on an uploaded image. */
    public SanityReport check(String modelName, SanityQuery query, byte[] image, Progress progress) {
        List<SaliencyMethod> methods = new ArrayList<>();
        query.methods().forEach(m -> methods.add(saliency.method(m)));
        LoadedModel model = registry.ready(modelName);
        List<WeightLayer> all = weightLayers(model.graph().randomisable());
        List<WeightLayer> chosen = choose(all, query.layers());
        long maps = (long) methods.size() * (chosen.size() + 1);
        if (maps > SanityQuery.MAX_MAPS) {
            throw new InvalidParameterException(
                    "layers",
                    "methods x (layers + 1) = " + maps + " maps exceeds " + SanityQuery.MAX_MAPS
                            + "; name fewer layers or methods");
        }
        PreparedImage prepared =
                model.descriptor().prepare(saliency.decode(model, image).image());
        return check(model, methods, chosen, query, prepared, progress);
    }

    /** Runs the check on a prepared image (tests and the harness call this directly). */
    SanityReport check(
            LoadedModel model,
            List<SaliencyMethod> methods,
            List<WeightLayer> chosen,
            SanityQuery query,
            PreparedImage prepared,
            Progress progress) {
        Map<String, Double> timings = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        ModelGraph copy = model.graph().randomisable();
        Map<String, float[]> trained = copy.weightValues();
        KerasInitializers inits = KerasInitializers.read(model.descriptor().savedModel());

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
        int height = model.descriptor().input().height();
        int width = model.descriptor().input().width();
        long total = (long) methods.size() * (chosen.size() + 1);
        long[] done = {0};

        Map<String, Prepared> original = new LinkedHashMap<>();
        Map<String, byte[]> originalTiles = new LinkedHashMap<>();
        for (SaliencyMethod m : methods) {
            Prepared p = prepare(
                    saliency.rawMap(m, model, prepared, seed, null, query.timeout(), Progress.NONE), height, width);
            original.put(m.name(), p);
            originalTiles.put(m.name(), p.tile());
            progress.update(++done[0], total, "original " + m.name());
        }
        timings.put("original", ms(System.nanoTime() - t0));

        // top down: the fresh values of each chosen layer's weights, drawn once
        List<WeightLayer> order = new ArrayList<>(chosen);
        java.util.Collections.reverse(order);
        Map<String, WeightRandomiser.Drawn> drawn = new LinkedHashMap<>();
        for (WeightLayer l : order) {
            for (WeightInfo w : l.weights()) {
                drawn.put(
                        w.variable(),
                        WeightRandomiser.draw(
                                w, trained.get(w.variable()), inits.initializer(w.variable()), query.seed()));
            }
        }
        long t1 = System.nanoTime();
        List<SanityReport.Step> steps = new ArrayList<>();
        List<Map<String, byte[]>> stepTiles = new ArrayList<>();
        List<String> randomised = new ArrayList<>();
        for (int s = 0; s < order.size(); s++) {
            WeightLayer layer = order.get(s);
            if (query.mode() == SanityQuery.Mode.INDEPENDENT) {
                randomised.clear();
            }
            randomised.add(layer.name());
            Map<String, float[]> values = new LinkedHashMap<>();
            for (WeightLayer l : order) {
                if (randomised.contains(l.name())) {
                    l.weights()
                            .forEach(w -> values.put(
                                    w.variable(), drawn.get(w.variable()).values()));
                }
            }
            WeightValues weights = new WeightValues(
                    "mprt-" + query.seed() + "-" + Integer.toHexString(new TreeSet<>(values.keySet()).hashCode()),
                    values);
            ModelRunner.Prediction rp = runner.predict(model, weights, List.of(prepared.tensor()), query.timeout())
                    .get(0);
            float prob = model.probabilities(rp.logits(), rp.output(), 0)[target.index()];
            Map<String, SanityReport.Similarities> sims = new LinkedHashMap<>();
            Map<String, byte[]> tiles = new LinkedHashMap<>();
            for (SaliencyMethod m : methods) {
                Prepared p = prepare(
                        saliency.rawMap(m, model, prepared, seed, weights, query.timeout(), Progress.NONE),
                        height,
                        width);
                sims.put(m.name(), compare(original.get(m.name()), p, height, width));
                tiles.put(m.name(), p.tile());
                progress.update(++done[0], total, "step " + (s + 1) + " " + m.name());
            }
            List<SanityReport.Weight> ws = new ArrayList<>();
            for (WeightInfo w : layer.weights()) {
                WeightRandomiser.Drawn d = drawn.get(w.variable());
                ws.add(new SanityReport.Weight(
                        w.variable(),
                        Arrays.stream(w.shape()).boxed().toList(),
                        d.init(),
                        d.fromMetadata() ? "keras-metadata" : "weight-statistics"));
            }
            steps.add(new SanityReport.Step(s + 1, layer.name(), List.copyOf(randomised), ws, prob, sims));
            stepTiles.add(tiles);
        }
        timings.put("randomised", ms(System.nanoTime() - t1));
        return new SanityReport(
                model.descriptor().name(),
                model.descriptor().version(),
                query.mode().name().toLowerCase(java.util.Locale.ROOT),
                query.seed(),
                new SanityReport.Target(target.index(), target.describe(labels), probs[target.index()]),
                methods.stream().map(SaliencyMethod::name).toList(),
                "Maps at the input size (layer maps resized bilinearly); absolute map = sum over channels of |map|,"
                        + " signed map = sum over channels. spearmanAbs, spearman: Spearman rank correlation of the"
                        + " absolute and of the signed maps; ssim: SSIM (7x7 uniform window, data range of both) and"
                        + " hog: Pearson correlation of HOG descriptors (9 orientations, 8x8 cells, 3x3 blocks,"
                        + " L2-Hys), both of the absolute maps divided by their maxima",
                steps,
                timings,
                new SanityReport.Panel(height, width, originalTiles, stepTiles, prepared.resized()));
    }

    /** The model's layers with replaceable weights, in forward order. */
    static List<WeightLayer> weightLayers(ModelGraph copy) {
        Map<String, List<WeightInfo>> byLayer = new LinkedHashMap<>();
        for (WeightInfo w : copy.weights()) {
            byLayer.computeIfAbsent(w.layer(), k -> new ArrayList<>()).add(w);
        }
        List<LayerInfo> layers = copy.layers();
        List<WeightLayer> out = new ArrayList<>();
        byLayer.forEach((path, ws) -> {
            int slash = path.lastIndexOf('/');
            out.add(new WeightLayer(slash >= 0 ? path.substring(slash + 1) : path, path, List.copyOf(ws)));
        });
        out.sort((a, b) -> Integer.compare(position(layers, a.path()), position(layers, b.path())));
        return out;
    }

    private static int position(List<LayerInfo> layers, String path) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().equals(path)) {
                return i;
            }
        }
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().startsWith(path + "/")) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    /** The requested layers (all when none is named), in forward order; 400 listing the candidates otherwise. */
    static List<WeightLayer> choose(List<WeightLayer> all, List<String> names) {
        if (names.isEmpty()) {
            return all;
        }
        List<WeightLayer> out = new ArrayList<>();
        for (WeightLayer l : all) {
            if (names.contains(l.name()) || names.contains(l.path())) {
                out.add(l);
            }
        }
        for (String n : names) {
            if (all.stream().noneMatch(l -> l.name().equals(n) || l.path().equals(n))) {
                throw new InvalidParameterException(
                        "layers",
                        "layer '" + n + "' has no weights or is unknown; layers with weights: "
                                + all.stream().map(WeightLayer::name).toList());
            }
        }
        return out;
    }

    /** A map at the input size, reduced to its absolute and signed sums over channels. */
    record Prepared(float[] abs, float[] signed, float[] absByMax) {
        byte[] tile() {
            float[] sorted = abs.clone();
            Arrays.sort(sorted);
            float clip = sorted[(int) Math.min(sorted.length - 1, Math.floor(0.995 * (sorted.length - 1)))];
            byte[] t = new byte[abs.length];
            for (int i = 0; i < t.length; i++) {
                double v = clip > 0 ? Math.min(1, abs[i] / clip) : 0;
                t[i] = (byte) Math.round(v * 255);
            }
            return t;
        }
    }

    static Prepared prepare(SaliencyMap map, int height, int width) {
        float[] v = map.values();
        int c = map.channels();
        if (map.height() != height || map.width() != width) {
            v = MapResizer.resize(v, map.width(), map.height(), c, width, height, ResizeMethod.BILINEAR);
        }
        int n = height * width;
        float[] abs = new float[n];
        float[] signed = new float[n];
        for (int i = 0; i < n; i++) {
            float a = 0;
            float s = 0;
            for (int k = 0; k < c; k++) {
                float x = v[i * c + k];
                a += Math.abs(x);
                s += x;
            }
            abs[i] = a;
            signed[i] = s;
        }
        float max = 0;
        for (float a : abs) {
            max = Math.max(max, a);
        }
        float[] byMax = new float[n];
        for (int i = 0; i < n; i++) {
            byMax[i] = max > 0 ? abs[i] / max : 0;
        }
        return new Prepared(abs, signed, byMax);
    }

    static SanityReport.Similarities compare(Prepared a, Prepared b, int height, int width) {
        return new SanityReport.Similarities(
                finite(Similarity.spearman(a.abs(), b.abs())),
                finite(Similarity.spearman(a.signed(), b.signed())),
                finite(Similarity.ssim(a.absByMax(), b.absByMax(), height, width)),
                finite(Similarity.hog(a.absByMax(), b.absByMax(), height, width)));
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? Math.round(v * 1e6) / 1e6 : null;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
