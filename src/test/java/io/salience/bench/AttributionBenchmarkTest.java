package io.salience.bench;

import io.salience.attribution.AblationCamMethod;
import io.salience.attribution.AttributionContext;
import io.salience.attribution.BlurIntegratedGradientsMethod;
import io.salience.attribution.DeconvNetMethod;
import io.salience.attribution.EigenCamMethod;
import io.salience.attribution.GradCamMethod;
import io.salience.attribution.GradCamPlusPlusMethod;
import io.salience.attribution.GradientMethod;
import io.salience.attribution.GradientTimesInputMethod;
import io.salience.attribution.GraphAccess;
import io.salience.attribution.GuidedBackpropMethod;
import io.salience.attribution.GuidedGradCamMethod;
import io.salience.attribution.HiResCamMethod;
import io.salience.attribution.InputAttribution;
import io.salience.attribution.IntegratedGradientsMethod;
import io.salience.attribution.LayerCamMethod;
import io.salience.attribution.LimeMethod;
import io.salience.attribution.OcclusionMethod;
import io.salience.attribution.RiseMethod;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.ScoreCamMethod;
import io.salience.attribution.SmoothGradMethod;
import io.salience.attribution.VarGradMethod;
import io.salience.attribution.XGradCamMethod;
import io.salience.attribution.XraiMethod;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.imaging.PreparedImage;
import io.salience.model.LoadedModel;
import io.salience.testing.DirectGraphAccess;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cost of each method as a ratio to a plain prediction of the same batch, measured in the same run, at engine level
 * (session runs without the pool or HTTP). A method at batch N is N one-image requests whose single-row session runs
 * are merged into one ({@link BatchedGraphAccess}), as the pool merges concurrent requests; IG steps and SmoothGrad
 * samples run per request, in chunks of 64 rows. Prints {@code ratio MODEL METHOD BATCH VALUE load L} (L: the 1-minute
 * load average). {@code -Dbench.rounds} sets the rounds of every median (7). Not part of {@code verify}: run {@code
 * ./mvnw -Pbench test}.
 */
@Tag("bench")
@ExtendWith(TestModels.class)
class AttributionBenchmarkTest {

    private static final int REPEATS = 20;
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 7);

    /**
     * Every method at default parameters, batch 1 and 16, on the models of {@code -Dbench.models} (default idc-demo,
     * planted-demo, bench224 and, when {@code ../shared} has it, braintumornet). {@code -Dbench.methods=lime,rise}
     * limits the methods, {@code -Dbench.batches=1} the batch sizes.
     */
    @Test
    void ratios() {
        for (LoadedModel model : models(List.of("idc-demo", "planted-demo", "bench224", "braintumornet"))) {
            run(model);
        }
    }

    /**
     * The perturbation methods (lime, occlusion, rise, score-cam) at their default parameters, one request per model.
     * A first run records the method's session runs. Each round then times, one after the other: the method; a
     * replay of its session runs as plain batched predictions (the same number of rows in calls of the same batch
     * sizes, on distinct rows, plus score-cam's one layer-gradient run); one prediction; the method's Java side alone
     * (its session runs answered from the recording); and the replay without the gradient runs. Prints {@code
     * perturbation MODEL METHOD rows ROWS calls CALLS gradientRuns G ratio R perRow P javaShare J perRowPredictsOnly
     * Q}, each the median over the rounds of a ratio: {@code ratio} method / one prediction; {@code perRow} method /
     * replay, 1.0 when the method adds nothing to its session runs; {@code javaShare} Java side / replay, the part
     * of {@code perRow - 1} that is the method's own work, measured without TensorFlow; {@code perRowPredictsOnly}
     * method / replay without the gradient runs (equal to {@code perRow} but for score-cam). {@code
     * -Dbench.models=planted-demo,idc-demo} limits the models (default planted-demo, idc-demo, bench224), {@code
     * -Dbench.methods=rise} the methods.
     */
    @Test
    void perturbationRatios() {
        for (LoadedModel model : models(List.of("planted-demo", "idc-demo", "bench224"))) {
            String name = model.descriptor().name();
            PreparedImage img = Inputs.synthetic(model, 7);
            AttributionContext ctx = Inputs.context(model, img, Map.of());
            List<float[]> one = List.of(img.tensor());
            List<SaliencyMethod> methods =
                    selected(List.of(new LimeMethod(), new OcclusionMethod(), new RiseMethod(), new ScoreCamMethod()));
            // distinct rows, as a batched predict call of that many images reads them
            List<float[]> distinct = new ArrayList<>();
            for (int i = 0; i < DirectGraphAccess.CHUNK; i++) {
                distinct.add(img.tensor().clone());
            }
            for (SaliencyMethod m : methods) {
                Counting counting = new Counting(new DirectGraphAccess(model));
                m.compute(new AttributionContext(
                        model, img, null, ctx.seed(), ctx.targetScore(), ctx.params(), counting));
                DirectGraphAccess direct = new DirectGraphAccess(model);
                Runnable r = () -> m.compute(
                        new AttributionContext(model, img, null, ctx.seed(), ctx.targetScore(), ctx.params(), direct));
                Runnable predicts = () -> {
                    for (int size : counting.batches) {
                        model.predictRows(distinct.subList(0, size));
                    }
                };
                Runnable replay = () -> {
                    predicts.run();
                    for (Runnable g : counting.gradientRuns) {
                        g.run();
                    }
                };
                Runnable predictOne = () -> model.predictRows(one);
                // the method's Java side alone: its session runs answered from the recording, without TensorFlow
                Runnable javaOnly = () -> m.compute(new AttributionContext(
                        model, img, null, ctx.seed(), ctx.targetScore(), ctx.params(), counting.replaying()));
                double[][] t = times(r, replay, predictOne, javaOnly, predicts);
                System.out.printf(
                        "perturbation %s %s rows %d calls %d gradientRuns %d ratio %.1f perRow %.3f javaShare %.3f"
                                + " perRowPredictsOnly %.3f load %s%n",
                        name,
                        m.name(),
                        counting.rows,
                        counting.batches.size(),
                        counting.gradientRuns.size(),
                        medianRatio(t[0], t[2]),
                        medianRatio(t[0], t[1]),
                        medianRatio(t[3], t[1]),
                        medianRatio(t[0], t[4]),
                        loadAverage());
            }
        }
    }

    /** The models named in {@code -Dbench.models}, else the defaults (braintumornet only when ../shared has it). */
    private static List<LoadedModel> models(List<String> defaults) {
        String only = System.getProperty("bench.models", "");
        List<String> names = only.isEmpty() ? defaults : List.of(only.split(","));
        Map<String, java.util.function.Supplier<LoadedModel>> known = new LinkedHashMap<>();
        known.put("idc-demo", TestModels::demo);
        known.put("planted-demo", TestModels::planted);
        known.put("bench224", () -> TestModels.load(Path.of("src/test/resources/fixtures/bench224/model.yaml")));
        known.put("braintumornet", () -> TestModels.shared("braintumornet"));
        List<LoadedModel> out = new ArrayList<>();
        for (String n : names) {
            if (!known.containsKey(n)) {
                throw new IllegalArgumentException("bench.models: unknown model " + n + ", known: " + known.keySet());
            }
            if (n.equals("braintumornet")
                    && !Files.isDirectory(TestModels.sharedDir().resolve("fixtures/braintumornet/model"))) {
                continue;
            }
            out.add(known.get(n).get());
        }
        return out;
    }

    /** The methods named in {@code -Dbench.methods}, else all. */
    private static List<SaliencyMethod> selected(List<SaliencyMethod> all) {
        String only = System.getProperty("bench.methods", "");
        if (only.isEmpty()) {
            return all;
        }
        List<String> names = List.of(only.split(","));
        return all.stream().filter(m -> names.contains(m.name())).toList();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }

    /** Counts the rows scored, records the batch sizes, the gradient runs and every answer. */
    private static final class Counting implements GraphAccess {
        private final DirectGraphAccess direct;
        private long rows;
        /** The batch size of every predict-like session run, as DirectGraphAccess chunks the rows. */
        private final List<Integer> batches = new ArrayList<>();
        /** The gradient session runs, to replay. */
        private final List<Runnable> gradientRuns = new ArrayList<>();
        /** Every answer, in call order. */
        private final List<Object> answers = new ArrayList<>();

        private <T> T record(T answer) {
            answers.add(answer);
            return answer;
        }

        /** A graph access that gives the recorded answers again, in order, without running the model. */
        GraphAccess replaying() {
            java.util.Iterator<Object> it = answers.iterator();
            int max = direct.maxBatch();
            return new GraphAccess() {
                @Override
                public float[] scores(List<float[]> inputs, float[] seed) {
                    return ((float[]) it.next()).clone();
                }

                @Override
                public int maxBatch() {
                    return max;
                }

                @SuppressWarnings("unchecked")
                @Override
                public List<float[]> logits(List<float[]> inputs) {
                    return (List<float[]>) it.next();
                }

                @Override
                public float[] scoresFromLayer(
                        LayerInfo layer, float[] input, List<float[]> activations, float[] seed) {
                    return ((float[]) it.next()).clone();
                }

                @SuppressWarnings("unchecked")
                @Override
                public List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed) {
                    return (List<Gradient>) it.next();
                }

                @Override
                public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] input, float[] seed) {
                    return (LayerGradient) it.next();
                }
            };
        }

        Counting(DirectGraphAccess direct) {
            this.direct = direct;
        }

        @Override
        public float[] scores(List<float[]> inputs, float[] seed) {
            count(inputs.size());
            return record(direct.scores(inputs, seed));
        }

        private void count(int n) {
            rows += n;
            for (int from = 0; from < n; from += DirectGraphAccess.CHUNK) {
                batches.add(Math.min(DirectGraphAccess.CHUNK, n - from));
            }
        }

        @Override
        public int maxBatch() {
            return direct.maxBatch();
        }

        @Override
        public List<float[]> logits(List<float[]> inputs) {
            count(inputs.size());
            return record(direct.logits(inputs));
        }

        @Override
        public float[] scoresFromLayer(LayerInfo layer, float[] input, List<float[]> activations, float[] seed) {
            count(activations.size());
            return record(direct.scoresFromLayer(layer, input, activations, seed));
        }

        @Override
        public List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed) {
            gradientRuns.add(() -> direct.inputGradients(rule, inputs, seed));
            return record(direct.inputGradients(rule, inputs, seed));
        }

        @Override
        public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] input, float[] seed) {
            gradientRuns.add(() -> direct.layerGradients(layer, rule, input, seed));
            return record(direct.layerGradients(layer, rule, input, seed));
        }
    }

    private static void run(LoadedModel model) {
        GradientMethod gradient = new GradientMethod();
        GuidedBackpropMethod guided = new GuidedBackpropMethod();
        GradCamMethod gradCam = new GradCamMethod();
        List<InputAttribution> bases = List.of(gradient, new GradientTimesInputMethod(), guided, new DeconvNetMethod());
        // the 21 methods of /v1/methods
        List<SaliencyMethod> methods = selected(List.of(
                gradient,
                new GradientTimesInputMethod(),
                guided,
                new DeconvNetMethod(),
                gradCam,
                new GradCamPlusPlusMethod(),
                new LayerCamMethod(),
                new GuidedGradCamMethod(gradCam, guided),
                new IntegratedGradientsMethod(),
                new SmoothGradMethod(bases),
                new VarGradMethod(bases),
                new XGradCamMethod(),
                new HiResCamMethod(),
                new EigenCamMethod(),
                new ScoreCamMethod(),
                new AblationCamMethod(),
                new LimeMethod(),
                new OcclusionMethod(),
                new RiseMethod(),
                new BlurIntegratedGradientsMethod(),
                new XraiMethod()));
        String name = model.descriptor().name();
        int[] batchSizes = Arrays.stream(
                        System.getProperty("bench.batches", "1,16").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        for (int batch : batchSizes) {
            List<PreparedImage> images = new ArrayList<>();
            List<float[]> inputs = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                PreparedImage img = Inputs.synthetic(model, 1000L * batch + i);
                images.add(img);
                inputs.add(img.tensor());
            }
            List<AttributionContext> contexts = images.stream()
                    .map(img -> Inputs.context(model, img, Map.of()))
                    .toList();
            List<float[]> seeds =
                    contexts.stream().map(AttributionContext::seed).toList();
            Runnable predictRun = () -> model.predictRows(inputs);
            System.out.printf(
                    "predict %s %d %.3f ms load %s%n", name, batch, median(rounds(predictRun)), loadAverage());
            for (SaliencyMethod m : methods) {
                Runnable r = () -> {
                    // N one-image requests whose single-row session runs are merged, as the pool merges them
                    BatchedGraphAccess merged = new BatchedGraphAccess(model, inputs, seeds);
                    for (AttributionContext c : contexts) {
                        m.compute(new AttributionContext(
                                c.model(), c.image(), null, c.seed(), c.targetScore(), c.params(), merged));
                    }
                };
                System.out.printf(
                        "ratio %s %s %d %.2f load %s%n", name, m.name(), batch, ratio(r, predictRun), loadAverage());
            }
        }
    }

    /**
     * Median over the rounds (7, {@code -Dbench.rounds}) of (method time / prediction time), the two timed back to
     * back in each round, so that a slow drift of the machine's speed cancels out.
     */
    private static double ratio(Runnable method, Runnable predict) {
        double[][] t = times(method, predict);
        return medianRatio(t[0], t[1]);
    }

    /** Per-round times (ms) of several runs, timed one after the other in every round. */
    private static double[][] times(Runnable... runs) {
        for (Runnable r : runs) {
            warmUp(r);
        }
        double[][] t = new double[runs.length][ROUNDS];
        for (int k = 0; k < ROUNDS; k++) {
            for (int i = 0; i < runs.length; i++) {
                t[i][k] = round(runs[i]);
            }
        }
        return t;
    }

    /** The median over the rounds of {@code a[k] / b[k]}. */
    private static double medianRatio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int k = 0; k < a.length; k++) {
            r[k] = a[k] / b[k];
        }
        return median(r);
    }

    private static double[] rounds(Runnable r) {
        warmUp(r);
        double[] t = new double[ROUNDS];
        for (int k = 0; k < ROUNDS; k++) {
            t[k] = round(r);
        }
        return t;
    }

    /** Three calls, or fewer when they have taken a second. */
    private static void warmUp(Runnable r) {
        long t0 = System.nanoTime();
        for (int i = 0; i < 3 && System.nanoTime() - t0 < 1_000_000_000L; i++) {
            r.run();
        }
    }

    /**
     * Mean time per call over at least 200 ms and 3 calls (one call when it takes more than a second), at most
     * {@link #REPEATS} calls (milliseconds).
     */
    private static double round(Runnable r) {
        int calls = 0;
        long t0 = System.nanoTime();
        long elapsed;
        do {
            r.run();
            calls++;
            elapsed = System.nanoTime() - t0;
        } while (calls < REPEATS && elapsed < 200_000_000L || calls < 3 && elapsed < 1_000_000_000L);
        return elapsed / 1e6 / calls;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
