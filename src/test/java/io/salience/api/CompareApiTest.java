package io.salience.api;

import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.salience.api.ApiClient.Part;
import io.salience.evaluation.ComparisonPanel;
import io.salience.model.ModelRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/models/{model}/compare} over real HTTP on planted-demo (whose ground truth is the 6x6 square of
 * {@code examples/planted-demo/squares.csv}): JSON with a region given as VIA JSON and as a mask image, the PNG panel,
 * the budgeted choice of methods, and the 400s.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.models.dir=models"})
class CompareApiTest {

    private static final String COMPARE = "/v1/models/planted-demo/compare";
    private static final Path EXAMPLE = Path.of("examples/planted-demo/red-6.png");
    /** red-6.png's square: x 8, y 22, side 6. */
    private static final String VIA = "[{\"shape_attributes\":{\"name\":\"rect\",\"x\":8,\"y\":22,\"width\":6,"
            + "\"height\":6},\"region_attributes\":{}}]";

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry registry;

    ApiClient api;

    @BeforeEach
    void awaitModels() {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();
        api = new ApiClient(port);
    }

    private HttpResponse<byte[]> compare(String query, String accept, Part region) throws IOException {
        List<Part> parts = new ArrayList<>();
        parts.add(Part.image("red-6.png", Files.readAllBytes(EXAMPLE)));
        if (region != null) {
            parts.add(region);
        }
        return api.multipart(COMPARE + "?" + query, accept, parts);
    }

    private static Part viaRegion() {
        return new Part("region", "region.json", "application/json", VIA.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void jsonWithAViaRegion() throws IOException {
        HttpResponse<byte[]> r = compare(
                "methods=gradient,grad-cam,guided-grad-cam&steps=32&fcRuns=20", "application/json", viaRegion());
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode j = json(r);
        assertThat(j.path("target").path("label").asString()).isEqualTo("red");
        assertThat(j.path("shape").toString()).isEqualTo("[32,32]");
        assertThat(j.path("region").path("areaFraction").asDouble()).isCloseTo(36 / 1024.0, within(1e-12));
        assertThat(j.path("selection").path("by").asString()).isEqualTo("request");
        assertThat(j.path("options").path("fcSubset").asInt()).isEqualTo(102);
        JsonNode methods = j.path("methods");
        assertThat(methods).hasSize(3);
        assertThat(methods.get(0).path("method").asString()).isEqualTo("gradient");
        assertThat(methods.get(1).path("layer").asString()).isNotBlank();
        JsonNode random = j.path("baselines").path("random");
        for (JsonNode m : methods) {
            String name = m.path("method").asString();
            JsonNode metrics = m.path("metrics");
            // the normalised map as /saliency's JSON: input size, or the layer's for the CAM family
            assertThat(m.path("map"))
                    .hasSize(m.path("shape").get(0).asInt()
                            * m.path("shape").get(1).asInt());
            // the planted-signal check holds for these three: the map's maximum is in the square
            assertThat(metrics.path("localisation").path("pointingGame").asBoolean())
                    .as(name)
                    .isTrue();
            assertThat(metrics.path("localisation").path("energyInside").asDouble())
                    .as(name)
                    .isGreaterThan(3 * 36 / 1024.0);
            JsonNode del = metrics.path("deletion");
            assertThat(del.path("scores")).hasSize(33);
            assertThat(del.path("fractions").get(32).asDouble()).isEqualTo(1.0);
            assertThat(del.path("auc").asDouble())
                    .as(name + " deletion vs random")
                    .isLessThan(random.path("deletion").path("auc").asDouble());
            assertThat(metrics.path("insertion").path("auc").asDouble())
                    .as(name + " insertion vs random")
                    .isGreaterThan(random.path("insertion").path("auc").asDouble());
            assertThat(metrics.path("faithfulnessCorrelation").isNumber()).isTrue();
            assertThat(metrics.path("border").path("areaFraction").asDouble())
                    .isCloseTo(1 - 26.0 * 26 / 1024, within(1e-12));
            assertThat(m.path("timings").path("metrics").asDouble()).isPositive();
        }
        // the random map scores about the square's area fraction
        assertThat(random.path("localisation").path("energyInside").asDouble()).isBetween(0.01, 0.07);
        assertThat(j.path("baselines")
                        .path("centre-gaussian")
                        .path("border")
                        .path("energy")
                        .asDouble())
                .isLessThan(0.2);
    }

    @Test
    void maskRegionAndCompletenessGap() throws IOException {
        BufferedImage mask = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 22; y < 28; y++) {
            for (int x = 8; x < 14; x++) {
                mask.getRaster().setSample(x, y, 0, 255);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(mask, "png", png);
        HttpResponse<byte[]> r = compare(
                "methods=integrated-gradients&metrics=localisation,completeness",
                "application/json",
                new Part("region", "mask.png", "image/png", png.toByteArray()));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode m = json(r).path("methods").get(0).path("metrics");
        assertThat(json(r).path("region").path("source").asString()).isEqualTo("mask");
        assertThat(m.path("localisation").path("pointingGame").asBoolean()).isTrue();
        assertThat(m.path("completenessGap").asDouble()).isBetween(0.0, 0.5);
        assertThat(m.path("deletion").isNull()).isTrue();
        assertThat(m.path("border").isNull()).isTrue();
    }

    @Test
    void pngPanel() throws IOException {
        HttpResponse<byte[]> r =
                compare("methods=gradient,grad-cam&metrics=deletion,insertion", "image/png", viaRegion());
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("image/png");
        BufferedImage panel = ImageIO.read(new ByteArrayInputStream(r.body()));
        // 3 tiles of 32 x 5 = 160 px, gaps, captions and the colour bar
        int tile = 32 * (int) Math.ceil(ComparisonPanel.MIN_TILE / 32.0);
        assertThat(panel.getWidth()).isGreaterThan(3 * tile);
        assertThat(panel.getHeight()).isGreaterThan(tile);
        // the first tile is the input scaled up: its top-left pixel is the example's
        BufferedImage input = ImageIO.read(EXAMPLE.toFile());
        assertThat(panel.getRGB(8 + 2, 8 + 2) & 0xFFFFFF).isEqualTo(input.getRGB(0, 0) & 0xFFFFFF);
        // the region is outlined in red at the square's top-left corner (x 8, y 22)
        assertThat(panel.getRGB(8 + 8 * 5, 8 + 22 * 5) & 0xFFFFFF).isEqualTo(0xFF0000);
    }

    @Test
    void budgetChoosesCheapMethodsFirst() throws IOException {
        HttpResponse<byte[]> r = compare("budgetMs=100&metrics=border", "application/json", null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode j = json(r);
        assertThat(j.path("selection").path("by").asString()).isEqualTo("budget");
        // the most expensive methods never fit 100 ms; the cheapest always runs
        assertThat(j.path("selection").path("left").has("xrai")).isTrue();
        assertThat(j.path("methods").size()).isGreaterThanOrEqualTo(1);
        assertThat(j.path("methods").get(0).path("method").asString()).isIn("layer-cam", "hires-cam");
        // every served method has a committed cost estimate
        for (JsonNode m : json(api.get("/v1/methods"))) {
            assertThat(io.salience.evaluation.MethodCosts.all())
                    .containsKey(m.path("name").asString());
        }
        HttpResponse<byte[]> big = compare("budgetMs=600000&metrics=border", "application/json", null);
        JsonNode all = json(big);
        assertThat(all.path("methods").size()
                        + all.path("selection").path("notApplicable").size())
                .isEqualTo(json(api.get("/v1/methods")).size());
    }

    @Test
    void asyncRunsAsAJobWithTheSameResult() throws IOException, InterruptedException {
        String q = "methods=gradient,grad-cam&metrics=deletion,insertion,localisation&steps=8";
        HttpResponse<byte[]> submitted = compare(q + "&async=true", "application/json", viaRegion());
        assertThat(submitted.statusCode()).as(text(submitted)).isEqualTo(202);
        String location = submitted.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/v1/jobs/");
        JsonNode job = json(submitted);
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (!job.path("state").asString().matches("succeeded|failed|cancelled") && System.nanoTime() < deadline) {
            Thread.sleep(20);
            job = json(api.get(location));
        }
        assertThat(job.path("state").asString()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("kind").asString()).isEqualTo("compare");
        assertThat(job.path("progress").path("percent").asInt()).isEqualTo(100);
        JsonNode result = job.path("result");
        JsonNode sync = json(compare(q, "application/json", viaRegion()));
        assertThat(result.path("methods")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode a = result.path("methods").get(i).path("metrics");
            JsonNode b = sync.path("methods").get(i).path("metrics");
            assertThat(a.path("deletion").path("scores"))
                    .isEqualTo(b.path("deletion").path("scores"));
            assertThat(a.path("localisation")).isEqualTo(b.path("localisation"));
        }
        // the PNG panel as a job result
        HttpResponse<byte[]> png = compare(q + "&async=true", "image/png", viaRegion());
        String pngJob = png.headers().firstValue("Location").orElseThrow();
        JsonNode pj = json(png);
        while (!pj.path("state").asString().matches("succeeded|failed|cancelled") && System.nanoTime() < deadline) {
            Thread.sleep(20);
            pj = json(api.get(pngJob));
        }
        assertThat(pj.path("state").asString()).isEqualTo("succeeded");
        HttpResponse<byte[]> panel = api.get(pngJob + "/result", "image/png");
        assertThat(panel.statusCode()).isEqualTo(200);
        assertThat(ImageIO.read(new ByteArrayInputStream(panel.body())).getWidth())
                .isGreaterThan(3 * ComparisonPanel.MIN_TILE);
    }

    @Test
    void badRequestsAre400() throws IOException {
        URI invalid = URI.create("urn:salience:problem:invalid-parameter");
        JsonNode p = ApiClient.assertProblem(compare("methods=gradient,nope", "application/json", null), 400, invalid);
        assertThat(p.path("parameter").asString()).isEqualTo("method");
        p = ApiClient.assertProblem(compare("steps=0", "application/json", null), 400, invalid);
        assertThat(p.path("parameter").asString()).isEqualTo("steps");
        p = ApiClient.assertProblem(compare("steps=2000", "application/json", null), 400, invalid);
        p = ApiClient.assertProblem(compare("fcSubset=1024&methods=gradient", "application/json", null), 400, invalid);
        assertThat(p.path("parameter").asString()).isEqualTo("fcSubset");
        p = ApiClient.assertProblem(compare("metrics=speed", "application/json", null), 400, invalid);
        assertThat(p.path("parameter").asString()).isEqualTo("metrics");
        p = ApiClient.assertProblem(compare("alpha=0.3", "application/json", null), 400, invalid);
        assertThat(p.path("parameter").asString()).isEqualTo("alpha");
        Part outside = new Part(
                "region",
                "r.json",
                "application/json",
                "[{\"shape_attributes\":{\"name\":\"rect\",\"x\":40,\"y\":40,\"width\":3,\"height\":3}}]"
                        .getBytes(StandardCharsets.UTF_8));
        p = ApiClient.assertProblem(compare("methods=gradient", "application/json", outside), 400, invalid);
        assertThat(p.path("parameter").asString()).isEqualTo("region");
        // the seed is 64-bit: beyond 32 bits it is served (found by Schemathesis: it was a 500), beyond 64 a 400
        HttpResponse<byte[]> wide =
                compare("methods=gradient&metrics=border&seed=-87178291200", "application/json", null);
        assertThat(wide.statusCode()).as(text(wide)).isEqualTo(200);
        p = ApiClient.assertProblem(
                compare("methods=gradient&seed=9223372036854775808", "application/json", null), 400, invalid);
        assertThat(p.path("parameter").asString()).isEqualTo("seed");
    }
}
