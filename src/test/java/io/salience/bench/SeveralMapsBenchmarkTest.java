package io.salience.bench;

import io.salience.attribution.SaliencyQuery;
import io.salience.attribution.SaliencyService;
import io.salience.model.ModelRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The cost of three maps (gradient, guided backprop, Grad-CAM) in one {@code methods=} request against one map and
 * against three single requests, through the service and the pool (decode and preprocessing included, no HTTP).
 * Prints {@code several MODEL three/one MEDIAN IQR} and {@code three/separate}: the median over rounds of per-round
 * ratios, each round timing the variants back to back. Run {@code ./mvnw -Pbench test -Dtest=SeveralMapsBenchmarkTest}.
 */
@Tag("bench")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SeveralMapsBenchmarkTest {

    private static final List<String> THREE = List.of("gradient", "guided-backprop", "grad-cam");
    private static final int ROUNDS = 9;

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("several-bench");
        io.salience.testing.TestModels.writeShippedModels(dir);
        Path bench = Path.of("src/test/resources/fixtures/bench224");
        Files.createDirectories(dir.resolve("bench224"));
        String yaml = Files.readString(bench.resolve("model.yaml"));
        String saved = yaml.lines()
                .filter(l -> l.startsWith("savedModel:"))
                .findFirst()
                .orElseThrow()
                .substring("savedModel:".length())
                .replaceAll("#.*", "")
                .strip()
                .replace("\"", "");
        Files.writeString(
                dir.resolve("bench224/model.yaml"),
                yaml.replaceFirst(
                        "savedModel:[^\\n]*",
                        "savedModel: \"" + bench.resolve(saved).toAbsolutePath() + "\""));
        registry.add("salience.models.dir", dir::toString);
    }

    @Autowired
    SaliencyService service;

    @Autowired
    ModelRegistry registry;

    @Test
    void threeMapsAgainstOne() throws IOException {
        registry.awaitLoaded(Duration.ofMinutes(5));
        for (String model : List.of("idc-demo", "planted-demo", "bench224-keras2")) {
            int size = registry.ready(model).descriptor().input().width();
            byte[] image = png(size);
            int reps = size >= 224 ? 5 : 40;
            Runnable one = () -> service.explain(model, SaliencyQuery.of(Map.of("method", "gradient")), image, null);
            Runnable three = () -> service.explainAll(
                    model,
                    SaliencyQuery.of(Map.of("methods", String.join(",", THREE))),
                    THREE,
                    image,
                    null,
                    io.salience.attribution.Progress.NONE);
            Runnable separate = () ->
                    THREE.forEach(m -> service.explain(model, SaliencyQuery.of(Map.of("method", m)), image, null));
            for (int w = 0; w < 3; w++) {
                one.run();
                three.run();
                separate.run();
            }
            double[] vsOne = new double[ROUNDS];
            double[] vsSeparate = new double[ROUNDS];
            double[] oneMs = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                double a = time(one, reps);
                double b = time(three, reps);
                double c = time(separate, reps);
                vsOne[r] = b / a;
                vsSeparate[r] = b / c;
                oneMs[r] = a;
            }
            System.out.printf(
                    Locale.ROOT,
                    "several %s one-map %.2f ms, three/one %.2f (IQR %.2f-%.2f), three/separate %.2f (IQR %.2f-%.2f),"
                            + " load %s%n",
                    model,
                    median(oneMs),
                    median(vsOne),
                    quantile(vsOne, 0.25),
                    quantile(vsOne, 0.75),
                    median(vsSeparate),
                    quantile(vsSeparate, 0.25),
                    quantile(vsSeparate, 0.75),
                    Files.readString(Path.of("/proc/loadavg")).strip());
        }
    }

    private static double time(Runnable r, int reps) {
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            r.run();
        }
        return (System.nanoTime() - t0) / 1e6 / reps;
    }

    private static double median(double[] v) {
        return quantile(v, 0.5);
    }

    private static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }

    private static byte[] png(int size) throws IOException {
        SplittableRandom rnd = new SplittableRandom(size);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, rnd.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
