package io.salience.bench;

import io.salience.attribution.AttributionContext;
import io.salience.attribution.DeconvNetMethod;
import io.salience.attribution.GradCamMethod;
import io.salience.attribution.GradCamPlusPlusMethod;
import io.salience.attribution.GradientMethod;
import io.salience.attribution.GradientTimesInputMethod;
import io.salience.attribution.GraphAccess;
import io.salience.attribution.GuidedBackpropMethod;
import io.salience.attribution.GuidedGradCamMethod;
import io.salience.attribution.InputAttribution;
import io.salience.attribution.IntegratedGradientsMethod;
import io.salience.attribution.LayerCamMethod;
import io.salience.attribution.Params;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.SmoothGradMethod;
import io.salience.engine.EngineProperties;
import io.salience.engine.LayerInfo;
import io.salience.engine.ModelGraph;
import io.salience.engine.Rule;
import io.salience.engine.SavedModelLoader;
import io.salience.imaging.PreparedImage;
import io.salience.model.DescriptorParser;
import io.salience.model.LoadedModel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Cost of each method as a ratio to a plain prediction of the same batch, measured in the same run. Prints
 * {@code ratio MODEL METHOD BATCH VALUE}. Not part of {@code verify}: run {@code ./mvnw -Pbench test}.
 */
@Tag("bench")
class AttributionBenchmarkTest {

    private static final int REPEATS = 20;

    @Test
    void ratios() throws Exception {
        SavedModelLoader loader = new SavedModelLoader(EngineProperties.defaults());
        List<Path> descriptors = new ArrayList<>(List.of(Path.of("models/idc-demo/model.yaml")));
        Path shared = Path.of(System.getProperty("salience.shared-dir", "../shared"));
        Path btn = shared.resolve("fixtures/braintumornet/model");
        if (Files.isDirectory(btn)) {
            Path dir = Files.createTempDirectory("bench");
            Path yaml = dir.resolve("model.yaml");
            Files.writeString(
                    yaml,
                    """
                    name: braintumornet
                    savedModel: %s
                    input: {colorMode: grayscale, resize: bilinear, pipeline: [{scale: 0.00392156862745098}]}
                    output: {kind: sigmoid, labels: [no, yes]}
                    """
                            .formatted(btn.toAbsolutePath()));
            descriptors.add(yaml);
        }
        Assumptions.assumeTrue(Files.exists(descriptors.get(0)), "models/idc-demo is missing");
        for (Path yaml : descriptors) {
            var draft = DescriptorParser.parse(yaml);
            var graph =
                    loader.load(draft.descriptor().name(), draft.descriptor().savedModel(), "serving_default");
            try (LoadedModel model = new LoadedModel(
                    DescriptorParser.withSignatureSize(draft, graph.graph().inputShape()), graph)) {
                run(model);
            }
        }
    }

    private static void run(LoadedModel model) {
        GradientMethod gradient = new GradientMethod();
        GuidedBackpropMethod guided = new GuidedBackpropMethod();
        GradCamMethod gradCam = new GradCamMethod();
        List<InputAttribution> bases = List.of(gradient, new GradientTimesInputMethod(), guided, new DeconvNetMethod());
        List<SaliencyMethod> methods = List.of(
                gradient,
                new GradientTimesInputMethod(),
                guided,
                new DeconvNetMethod(),
                gradCam,
                new GradCamPlusPlusMethod(),
                new LayerCamMethod(),
                new GuidedGradCamMethod(gradCam, guided),
                new IntegratedGradientsMethod(),
                new SmoothGradMethod(bases));
        String name = model.descriptor().name();
        var spec = model.descriptor().input();
        for (int batch : new int[] {1, 16}) {
            List<float[]> inputs = new ArrayList<>();
            Random rnd = new Random(batch);
            for (int i = 0; i < batch; i++) {
                float[] x = new float[model.inputLength()];
                for (int j = 0; j < x.length; j++) {
                    x[j] = rnd.nextFloat();
                }
                inputs.add(x);
            }
            double predict = time(() -> model.predictRows(inputs));
            System.out.printf("predict %s %d %.3f ms%n", name, batch, predict);
            for (SaliencyMethod m : methods) {
                Runnable r = () -> {
                    for (float[] x : inputs) {
                        // each image is one request; the methods batch their own rows (IG steps, SmoothGrad samples)
                        m.compute(context(model, x, spec));
                    }
                };
                if (m instanceof InputAttribution ia && !(m instanceof IntegratedGradientsMethod)) {
                    // input-space methods take the whole batch in one run, as the pool merges them
                    r = () -> ia.attribute(context(model, inputs.get(0), spec), inputs);
                }
                double t = time(r);
                System.out.printf("ratio %s %s %d %.2f%n", name, m.name(), batch, t / predict);
            }
        }
    }

    private static AttributionContext context(LoadedModel model, float[] x, io.salience.imaging.PreprocessSpec spec) {
        PreparedImage img =
                new PreparedImage(x, new BufferedImage(spec.width(), spec.height(), BufferedImage.TYPE_INT_RGB), spec);
        return new AttributionContext(
                model, img, null, model.seed(0), 0f, new Params(Map.of("samples", "25")), new Direct(model));
    }

    private static double time(Runnable r) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < REPEATS; i++) {
            r.run();
        }
        return (System.nanoTime() - t0) / 1e6 / REPEATS;
    }

    /** Session runs without the pool: the benchmark measures the engine. */
    private record Direct(LoadedModel model) implements GraphAccess {
        @Override
        public float[] scores(List<float[]> inputs, float[] seed) {
            ModelGraph.Outputs o = model.graph().predict(concat(inputs), inputs.size());
            float[] s = new float[inputs.size()];
            int k = seed.length;
            for (int i = 0; i < s.length; i++) {
                for (int j = 0; j < k; j++) {
                    s[i] += seed[j] * o.get(0)[i * k + j];
                }
            }
            return s;
        }

        @Override
        public List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed) {
            int n = inputs.size();
            float[] seeds = new float[n * seed.length];
            for (int i = 0; i < n; i++) {
                System.arraycopy(seed, 0, seeds, i * seed.length, seed.length);
            }
            ModelGraph.Outputs o = model.graph().inputGradients(rule, concat(inputs), n, seeds);
            int per = model.inputLength();
            List<Gradient> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] g = new float[per];
                System.arraycopy(o.get(1), i * per, g, 0, per);
                out.add(new Gradient(0f, g));
            }
            return out;
        }

        @Override
        public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] input, float[] seed) {
            ModelGraph.Outputs o = model.graph().layerGradients(layer, rule, input, 1, seed);
            long[] s = o.shape(1);
            return new LayerGradient(0f, o.get(1), o.get(2), (int) s[1], (int) s[2], (int) s[3]);
        }

        private float[] concat(List<float[]> rows) {
            int per = model.inputLength();
            float[] b = new float[rows.size() * per];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, b, i * per, per);
            }
            return b;
        }
    }
}
