package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.salience.model.ModelRegistry;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The viewer in a real browser: {@code tools/browser/viewer-test.mjs} drives Debian's Chromium with playwright-core
 * against this service (real HTTP, the committed models and examples) and reports what it saw as JSON; this test
 * asserts on it. Needs {@code chromium} and {@code tools/browser/node_modules} ({@code npm ci}); without them it is
 * skipped with a message, unless {@code SALIENCE_BROWSER_TEST=required} (set by {@code .ci/run}, which installs
 * both), when it fails. {@code -Dsalience.docs.write=true} copies the screenshot to {@code docs/viewer.png}.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.models.dir=models"})
class ViewerBrowserTest {

    private static final Path SCRIPT = Path.of("tools", "browser", "viewer-test.mjs");
    private static final Path OUT = Path.of("target", "browser");

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry registry;

    @Test
    void viewerExplainsAnImageInChromium() throws Exception {
        String chromium = System.getenv().getOrDefault("SALIENCE_CHROMIUM", "/usr/bin/chromium");
        String node = onPath("node");
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(Path.of(chromium))) {
            missing.add(chromium + " (apt-get install chromium)");
        }
        if (node == null) {
            missing.add("node (apt-get install nodejs npm)");
        }
        if (!Files.isDirectory(Path.of("tools", "browser", "node_modules", "playwright-core"))
                || !Files.isDirectory(Path.of("tools", "browser", "node_modules", "axe-core"))) {
            missing.add("tools/browser/node_modules (cd tools/browser && npm ci)");
        }
        if (!missing.isEmpty()) {
            String why = "viewer browser test skipped, missing: " + String.join(", ", missing);
            if ("required".equals(System.getenv("SALIENCE_BROWSER_TEST"))) {
                fail(why.replace("skipped", "cannot run") + " (SALIENCE_BROWSER_TEST=required)");
            }
            System.out.println(why);
            Assumptions.abort(why);
        }
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();

        Files.createDirectories(OUT);
        // the example as a TIFF (TwelveMonkeys), which Chromium cannot show: the page shows the server's decoding
        Path tiff = OUT.resolve("red-6.tif");
        BufferedImage example =
                ImageIO.read(Path.of("examples", "planted-demo", "red-6.png").toFile());
        BufferedImage rgb = new BufferedImage(example.getWidth(), example.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(example, 0, 0, null);
        assertThat(ImageIO.write(rgb, "tiff", tiff.toFile())).as("TIFF writer").isTrue();
        Path log = OUT.resolve("script.log");
        Path stdout = OUT.resolve("script-output.json");
        Process p = new ProcessBuilder(
                        node,
                        SCRIPT.toString(),
                        "--url",
                        "http://127.0.0.1:" + port,
                        "--out",
                        OUT.toString(),
                        "--chromium",
                        chromium,
                        "--tiff",
                        tiff.toString())
                .redirectError(log.toFile())
                .redirectOutput(stdout.toFile())
                .start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the browser script did not finish in 5 minutes; see " + log);
        }
        String out = Files.readString(stdout, StandardCharsets.UTF_8).trim();
        assertThat(out).as("script output (log: %s)", read(log)).isNotEmpty();
        JsonNode r = ApiClient.JSON.readTree(out.substring(out.lastIndexOf("\n{") + 1));
        assertThat(r.path("error").isMissingNode())
                .as("script error: %s", r.path("error").asString())
                .isTrue();
        assertThat(r.path("finished").asBoolean()).isTrue();
        assertThat(r.path("pageErrors").size())
                .as("uncaught page errors %s", r.path("pageErrors"))
                .isZero();
        JsonNode steps = r.path("steps");

        // the page at / and what it read from the server
        assertThat(steps.path("load").path("status").asInt()).isEqualTo(200);
        assertThat(steps.path("load").path("contentType").asString()).startsWith("text/html");
        assertThat(steps.path("load").path("colormap").asString())
                .as("colour-blind safe default")
                .isEqualTo("viridis");
        assertThat(steps.path("load").path("methods").asInt())
                .as("one checkbox per method of /v1/methods")
                .isEqualTo(
                        ApiClient.json(new ApiClient(port).get("/v1/methods")).size());
        assertThat(steps.path("load").path("examples").size()).isEqualTo(6);
        List<String> reached = new ArrayList<>();
        steps.path("keyboard").path("reached").forEach(n -> reached.add(n.asString()));
        assertThat(reached)
                .as("reached with Tab")
                .contains("model", "file", "m-grad-cam", "m-guided-backprop", "zoom", "opacity", "colormap");

        // a file that is no image: the server's 415 problem in words
        assertThat(steps.path("badUpload").path("message").asString()).contains("Not an image the server can read");

        // the TIFF: drawn from the server's decoding, the PNG's pixels exactly, and predicted the same
        assertThat(steps.path("tiff").path("pixels").asInt()).isEqualTo(32 * 32);
        assertThat(steps.path("tiff").path("maxDiff").asInt()).isZero();
        assertThat(steps.path("tiff").path("bars").get(0).asString()).startsWith("red");

        // the upload's prediction as bars, the predicted class pressed
        JsonNode bars = steps.path("upload").path("bars");
        assertThat(bars.size()).isEqualTo(3);
        assertThat(bars.get(0).path("text").asString()).startsWith("red");
        assertThat(bars.get(0).path("pressed").asString()).isEqualTo("true");

        // both overlays: shown, not blank, pixel-sharp, as the server renders them
        for (String m : new String[] {"grad-cam", "guided-backprop"}) {
            JsonNode o = steps.path("overlays").path(m);
            assertThat(steps.path("overlays").path("states").path(m).asString()).isEqualTo("done");
            assertThat(o.path("connected").asBoolean()).isTrue();
            assertThat(o.path("width").asInt()).isEqualTo(32);
            assertThat(o.path("shownWidth").asInt()).as("zoomed").isGreaterThanOrEqualTo(128);
            assertThat(o.path("imageRendering").asString()).isEqualTo("pixelated");
            assertThat(o.path("distinctColours").asInt()).as("%s not blank", m).isGreaterThan(10);
            assertThat(o.path("lumaStd").asDouble()).as("%s not flat", m).isGreaterThan(5);
            assertThat(o.path("opacity").asDouble()).isBetween(0.05, 0.95);
            assertThat(o.path("server").path("sameSize").asBoolean()).isTrue();
            assertThat(o.path("server").path("differingShare").asDouble())
                    .as("%s: share of pixels unlike the server's heatmap PNG", m)
                    .isLessThanOrEqualTo(0.01);
            assertThat(o.path("caption").asString()).contains("X-Saliency-Normalization: reduce=max-abs", "compute");
            assertThat(o.path("ariaLabel").asString()).contains(m, "red");
        }
        assertThat(steps.path("overlays")
                        .path("original")
                        .path("distinctColours")
                        .asInt())
                .isGreaterThan(100);
        assertThat(steps.path("display").path("opacity").asDouble()).isEqualTo(0.8);
        assertThat(steps.path("display").path("infernoLuma").asDouble())
                .as("the colour map changes the drawing")
                .isNotEqualTo(steps.path("display").path("viridisLuma").asDouble());

        // another target: both maps change
        JsonNode target = steps.path("target");
        assertThat(target.path("label").asString()).isEqualTo("green");
        assertThat(target.path("pressed").asString()).isEqualTo("true");
        assertThat(target.path("gradCamMeanAbsChange").asDouble()).isGreaterThan(0.01);
        assertThat(target.path("guidedMeanAbsChange").asDouble()).isGreaterThan(0.01);
        assertThat(steps.path("contrast").path("label").asString()).isEqualTo("red-vs-green");

        // integrated gradients reports its completeness gap
        assertThat(steps.path("picture").path("completeness").asString()).startsWith("Completeness gap: ");

        // trust metrics from the compare endpoint, where the server has it
        JsonNode metrics = steps.path("metrics");
        if (metrics.path("compare").asBoolean()) {
            assertThat(metrics.path("error").isNull())
                    .as("metrics error %s", metrics.path("error"))
                    .isTrue();
            List<String> rows = new ArrayList<>();
            metrics.path("rows").forEach(row -> rows.add(row.get(0).asString()));
            assertThat(rows).contains("grad-cam", "guided-backprop", "integrated-gradients");
            assertThat(metrics.path("columns").get(1).asString()).startsWith("Deletion AUC");
            JsonNode gradCam = metrics.path("rows").get(rows.indexOf("grad-cam"));
            assertThat(Double.parseDouble(gradCam.get(1).asString()))
                    .as("deletion AUC")
                    .isBetween(0.0, 1.0);
        }

        // the sanity check (model parameter randomisation), where the server has it
        JsonNode sanity = steps.path("sanity");
        if (sanity.path("available").asBoolean()) {
            assertThat(sanity.path("error").isNull())
                    .as("sanity error %s", sanity.path("error"))
                    .isTrue();
            assertThat(sanity.path("rows").size())
                    .as("one row per randomisation step")
                    .isGreaterThanOrEqualTo(1);
            List<String> columns = new ArrayList<>();
            sanity.path("columns").forEach(c -> columns.add(c.asString()));
            assertThat(columns).contains("grad-cam", "guided-backprop", "integrated-gradients");
        }

        // the server's 503 for a full queue, in words with when to retry; Retry then succeeds
        assertThat(steps.path("busy").path("refused").asInt()).isEqualTo(1);
        assertThat(steps.path("busy").path("message").asString())
                .contains("The server is busy", "its queue is full", "Try again in 3 seconds");
        assertThat(steps.path("busy").path("afterRetry").asString()).isEqualTo("done");

        // the slow method: progress moves, cancel, the job is cancelled on the server
        JsonNode slow = steps.path("slow");
        assertThat(slow.path("state").asString()).isEqualTo("cancelled");
        if (slow.path("jobs").asBoolean()) {
            List<Double> values = new ArrayList<>();
            slow.path("progress").forEach(s -> {
                if (s.path("value").isNumber()) {
                    values.add(s.path("value").asDouble());
                }
            });
            assertThat(values.stream().filter(v -> v > 0 && v < 100).distinct().count())
                    .as("progress values seen %s", values)
                    .isGreaterThanOrEqualTo(2);
            assertThat(slow.path("jobId").asString()).isNotBlank();
            assertThat(slow.path("server").path("body").path("state").asString())
                    .isEqualTo("cancelled");
        }

        // accessibility: no serious or critical axe-core violation, before and after explaining
        for (String run : new String[] {"axeStart", "axeResults"}) {
            List<String> bad = new ArrayList<>();
            r.path(run).path("violations").forEach(v -> {
                String impact = v.path("impact").asString();
                if (impact.equals("serious") || impact.equals("critical")) {
                    bad.add(v.path("id").asString() + " (" + impact + "): "
                            + v.path("help").asString() + " " + v.path("targets"));
                }
            });
            assertThat(bad).as("%s axe violations", run).isEmpty();
            assertThat(r.path(run).path("passes").asInt()).isGreaterThan(20);
        }

        Path shot = Path.of(r.path("screenshot").asString());
        assertThat(shot).exists();
        if (Boolean.getBoolean("salience.docs.write")) {
            Files.copy(shot, Path.of("docs", "viewer.png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static String read(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
