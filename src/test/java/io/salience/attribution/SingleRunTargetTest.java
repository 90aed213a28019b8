package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelRunner;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One session run per explanation: for {@code target=predicted} the class is picked inside the method's own run.
 * Every method's map, score and probability must equal those of the same request naming that class (a fed seed), bit
 * for bit, and single-pass methods must take exactly one session run ({@code salience.compute} counts runs) where the
 * two-run design took two. Softmax models (idc-demo, planted-demo) always; a sigmoid one (brain-MRI) when
 * {@code ../shared} is present.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SingleRunTargetTest {

    /**
     * Methods whose whole work is one gradient program run (guided Grad-CAM's two branches share one forward pass; IG
     * and SmoothGrad at default steps and samples fit one batch).
     */
    static final List<String> ONE_RUN = List.of(
            "gradient",
            "gradient-x-input",
            "guided-backprop",
            "deconvnet",
            "grad-cam",
            "grad-cam++",
            "layer-cam",
            "xgrad-cam",
            "hires-cam",
            "eigen-cam",
            "guided-grad-cam",
            "integrated-gradients",
            "smoothgrad",
            "vargrad");

    static final Path SHARED_MRI = Path.of("../shared/fixtures/brain-mri");

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("single-run");
        io.salience.testing.TestModels.writeShippedModels(dir);
        if (Files.isRegularFile(SHARED_MRI.resolve("model/saved_model.pb"))) {
            Files.createDirectories(dir.resolve("brain-mri"));
            Files.writeString(
                    dir.resolve("brain-mri/model.yaml"),
                    """
                    name: brain-mri
                    version: "1"
                    savedModel: "%s"
                    signature: serving_default
                    input:
                      layout: NHWC
                      colorMode: bgr
                      resize: bilinear
                      pipeline:
                        - l2-normalize: height
                    output:
                      kind: sigmoid
                      labels: [no, yes]
                    """
                            .formatted(SHARED_MRI.resolve("model").toAbsolutePath()));
        }
        registry.add("salience.models.dir", dir::toString);
    }

    @Autowired
    SaliencyService service;

    @Autowired
    ModelRegistry registry;

    @Autowired
    ModelRunner runner;

    @Autowired
    MeterRegistry meters;

    @BeforeEach
    void loaded() {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();
    }

    @Test
    void softmaxModelsExplainThePredictedClassInOneRun() {
        check("idc-demo", List.of(synthetic(50, 1), synthetic(50, 2)));
        check("planted-demo", List.of(file(Path.of("examples/planted-demo/red-6.png")), synthetic(32, 3)));
    }

    @Test
    void aSigmoidModelExplainsBothPredictedClassesInOneRun() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isDirectory(SHARED_MRI), "../shared/fixtures/brain-mri is absent");
        List<byte[]> images = new ArrayList<>();
        for (String folder : List.of("yes", "no")) {
            try (Stream<Path> s = Files.list(SHARED_MRI.resolve("images").resolve(folder))) {
                images.add(file(s.sorted().findFirst().orElseThrow()));
            }
        }
        List<Integer> classes = check("brain-mri", images);
        assertThat(classes).as("both sigmoid classes were explained").contains(0, 1);
    }

    /** Checks every method on every image; returns the predicted classes. */
    private List<Integer> check(String model, List<byte[]> images) {
        LoadedModel m = registry.ready(model);
        List<Integer> predicted = new ArrayList<>();
        Map<String, Long> runs = new LinkedHashMap<>();
        for (byte[] image : images) {
            ModelRunner.Prediction p =
                    runner.predict(m, List.of(tensor(m, image)), null).get(0);
            float[] probs = m.probabilities(p.logits(), p.output(), 0);
            int expected = TargetSeed.predictedClass(m, p.logits());
            for (String method : service.methods().keySet()) {
                long before = sessionRuns();
                SaliencyResult auto = service.explain(model, SaliencyQuery.of(Map.of("method", method)), image, null);
                long used = sessionRuns() - before;
                runs.put(method, used);
                SaliencyResult named = service.explain(
                        model,
                        SaliencyQuery.of(
                                Map.of("method", method, "target", auto.target().label())),
                        image,
                        null);
                String what = model + " " + method;
                assertThat(auto.target().index()).as(what).isEqualTo(expected);
                assertThat(auto.map().values())
                        .as(what + " map")
                        .isEqualTo(named.map().values());
                assertThat(auto.target().score())
                        .as(what + " score")
                        .isEqualTo(named.target().score());
                assertThat(auto.target().probability())
                        .as(what + " probability")
                        .isEqualTo(named.target().probability());
                assertThat((double) auto.target().probability())
                        .as(what + " probability against a prediction run")
                        .isCloseTo(probs[auto.target().index()], org.assertj.core.data.Offset.offset(1e-6));
                if (ONE_RUN.contains(method)) {
                    assertThat(used).as(what + " session runs").isEqualTo(1);
                }
            }
            predicted.add(expected);
        }
        System.out.println("session runs per explanation, " + model + ": " + runs);
        return predicted;
    }

    private float[] tensor(LoadedModel m, byte[] image) {
        return m.descriptor().prepare(service.decode(m, image).image()).tensor();
    }

    private long sessionRuns() {
        return meters.find("salience.compute").timers().stream()
                .mapToLong(Timer::count)
                .sum();
    }

    private static byte[] file(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] synthetic(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, rnd.nextInt(1 << 24));
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
