package io.salience.sanity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.attribution.GradientMethod;
import io.salience.attribution.Progress;
import io.salience.attribution.SaliencyMap;
import io.salience.attribution.SaliencyService;
import io.salience.engine.WeightValues;
import io.salience.imaging.NpyArray;
import io.salience.imaging.NpyReader;
import io.salience.imaging.PreparedImage;
import io.salience.inference.InferencePool;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRunner;
import io.salience.testing.Inputs;
import io.salience.testing.PoolSettings;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The similarity functions and the MPRT figures against their reference implementations
 * ({@code tools/reference/make_sanity_reference.py}: scipy, scikit-image, Quantus 0.5.3).
 */
@ExtendWith(TestModels.class)
class SanityReferenceTest {

    static final Path DIR = Path.of("src/test/resources/reference/sanity");
    static final double TOLERANCE = 1e-3;

    static JsonNode reference() throws IOException {
        return JsonMapper.builder().build().readTree(Files.readString(DIR.resolve("reference.json")));
    }

    @Test
    void similaritiesMatchScipyAndScikitImage() throws IOException {
        JsonNode sim = reference().path("similarity");
        assertThat(sim.size()).isEqualTo(6);
        for (var e : sim.properties()) {
            NpyArray pair = NpyReader.read(DIR.resolve("pair-" + e.getKey() + ".npy"));
            int h = pair.shape()[1];
            int w = pair.shape()[2];
            float[] all = pair.toFloatArray();
            float[] a = Arrays.copyOfRange(all, 0, h * w);
            float[] b = Arrays.copyOfRange(all, h * w, 2 * h * w);
            JsonNode r = e.getValue();
            assertThat(Similarity.spearman(a, b))
                    .as(e.getKey() + " spearman")
                    .isCloseTo(r.path("spearman").asDouble(), within(TOLERANCE));
            assertThat(Similarity.spearman(a, b))
                    .as(e.getKey() + " Quantus correlation_spearman")
                    .isCloseTo(r.path("quantusSpearman").asDouble(), within(TOLERANCE));
            float[] am = byMax(a);
            float[] bm = byMax(b);
            assertThat(Similarity.ssim(am, bm, h, w))
                    .as(e.getKey() + " Quantus ssim")
                    .isCloseTo(r.path("ssimByMax").asDouble(), within(TOLERANCE));
            assertThat(Similarity.hogFeatures(am, h, w))
                    .as(e.getKey() + " HOG length")
                    .hasSize(r.path("hogLength").asInt());
            assertThat(Similarity.hog(am, bm, h, w))
                    .as(e.getKey() + " HOG similarity")
                    .isCloseTo(r.path("hogByMax").asDouble(), within(TOLERANCE));
        }
    }

    @Test
    void knownAnswers() {
        float[] a = {1, 2, 3, 4, 5};
        assertThat(Similarity.spearman(a, new float[] {10, 20, 30, 40, 50})).isEqualTo(1.0);
        assertThat(Similarity.spearman(a, new float[] {5, 4, 3, 2, 1})).isEqualTo(-1.0);
        assertThat(Similarity.spearman(a, new float[] {7, 7, 7, 7, 7})).isNaN();
        float[] m = new float[64];
        for (int i = 0; i < m.length; i++) {
            m[i] = (i * 37 % 11) / 10f;
        }
        assertThat(Similarity.ssim(m, m, 8, 8)).isCloseTo(1.0, within(1e-12));
        assertThat(Similarity.ssim(m, m, 6, 6)).isNaN();
    }

    /**
     * Quantus's MPRT on planted-demo with a plain-gradient explain function: the weights Quantus drew are fed to
     * our graph copy, and our Spearman figures must equal Quantus's at every step of both orders.
     */
    @Test
    void mprtFiguresMatchQuantus() throws IOException {
        JsonNode mprt = reference().path("mprt");
        LoadedModel planted = TestModels.planted();
        PreparedImage image = Inputs.file(planted, Path.of(mprt.path("image").asString()));
        float[] seed = planted.seed(mprt.path("target").asInt());
        GradientMethod gradient = new GradientMethod();
        try (InferencePool pool = new InferencePool(PoolSettings.defaults().build(), new SimpleMeterRegistry())) {
            ModelRunner runner = new ModelRunner(pool);
            SaliencyService service =
                    new SaliencyService(List.of(gradient), null, null, runner, new SimpleMeterRegistry(), null, pool);
            SanityService.Prepared original =
                    prepare(service.rawMap(gradient, planted, image, seed, null, null, Progress.NONE), planted);
            int compared = 0;
            for (var order : mprt.path("orders").properties()) {
                for (JsonNode step : order.getValue().path("steps")) {
                    Map<String, float[]> values = new LinkedHashMap<>();
                    for (var w : step.path("weights").properties()) {
                        values.put(
                                w.getKey(),
                                NpyReader.read(DIR.resolve(w.getValue().asString()))
                                        .toFloatArray());
                    }
                    WeightValues weights =
                            new WeightValues(order.getKey() + step.path("layer").asString(), values);
                    SanityService.Prepared randomised = prepare(
                            service.rawMap(gradient, planted, image, seed, weights, null, Progress.NONE), planted);
                    double ours = Similarity.spearman(original.abs(), randomised.abs());
                    System.out.printf(
                            "MPRT %s %s: Salience %.6f, Quantus %.6f%n",
                            order.getKey(),
                            step.path("layer").asString(),
                            ours,
                            step.path("spearman").asDouble());
                    assertThat(ours)
                            .as(order.getKey() + " " + step.path("layer").asString())
                            .isCloseTo(step.path("spearman").asDouble(), within(TOLERANCE));
                    compared++;
                }
            }
            assertThat(compared).isEqualTo(8);
        }
    }

    private static SanityService.Prepared prepare(SaliencyMap map, LoadedModel m) {
        return SanityService.prepare(
                map, m.descriptor().input().height(), m.descriptor().input().width());
    }

    private static float[] byMax(float[] v) {
        float max = 0;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.abs(v[i]) / max;
        }
        return out;
    }
}
