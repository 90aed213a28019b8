package io.salience.api;

import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.salience.api.ApiClient.Part;
import io.salience.imaging.SaliencyRenderer;
import io.salience.model.ModelRegistry;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The perturbation methods over real HTTP on the committed {@code models/} folder (idc-demo and planted-demo), with an
 * example image of {@code examples/planted-demo}: PNG, JSON (extras, parameters with the seed) and NPY; {@code
 * render=segments}. With {@code -Dsalience.docs.write=true} it writes the README's pictures to {@code docs/planted/}.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.models.dir=models"})
class PlantedApiTest {

    private static final String SALIENCY = "/v1/models/planted-demo/saliency";
    private static final Path EXAMPLE = Path.of("examples/planted-demo/red-6.png");

    @LocalServerPort
    int port;

    /** The actuator's own port (management.server.port, random in tests). */
    @LocalManagementPort
    int managementPort;

    @Autowired
    ModelRegistry registry;

    ApiClient api;

    @BeforeEach
    void awaitModels() {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();
        api = new ApiClient(port);
    }

    private HttpResponse<byte[]> saliency(String query, String accept) throws IOException {
        return api.multipart(
                SALIENCY + "?" + query, accept, List.of(Part.image("red-6.png", Files.readAllBytes(EXAMPLE))));
    }

    @Test
    void bothModelsAreServedFromModelsFolder() {
        JsonNode list = json(api.get("/v1/models"));
        assertThat(list.findValuesAsString("name")).contains("idc-demo", "planted-demo");
        assertThat(new ApiClient(managementPort)
                        .get("/actuator/health/readiness")
                        .statusCode())
                .isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lime", "occlusion", "rise"})
    void pngJsonAndNpy(String method) throws IOException {
        HttpResponse<byte[]> png = saliency("method=" + method, "image/png");
        assertThat(png.statusCode()).as(text(png)).isEqualTo(200);
        BufferedImage img = ApiClient.decode(png.body());
        assertThat(img.getWidth()).isEqualTo(32);

        String q = "method=" + method + (method.equals("occlusion") ? "" : "&seed=5");
        HttpResponse<byte[]> j = saliency(q, "application/json");
        assertThat(j.statusCode()).as(text(j)).isEqualTo(200);
        JsonNode body = json(j);
        assertThat(body.path("target").path("label").asString()).isEqualTo("red");
        assertThat(body.path("map").size()).isEqualTo(32 * 32);
        JsonNode extras = body.path("extras");
        switch (method) {
            case "lime" -> {
                assertThat(body.path("parameters").path("seed").asString()).isEqualTo("5");
                int segments = extras.path("segments").asInt();
                assertThat(segments).isBetween(20, 80);
                assertThat(extras.path("segmentWeights").size()).isEqualTo(segments);
                assertThat(extras.path("segmentMap").size()).isEqualTo(32 * 32);
                assertThat(extras.path("r2").asDouble()).isBetween(0.0, 1.0);
                assertThat(extras.path("topSegments").size()).isBetween(1, 5);
            }
            case "occlusion" -> {
                assertThat(extras.path("window").asInt()).isEqualTo(4);
                assertThat(extras.path("stride").asInt()).isEqualTo(2);
            }
            default -> assertThat(body.path("parameters").path("seed").asString())
                    .isEqualTo("5");
        }
        // the same seed gives the same map
        assertThat(json(saliency(q, "application/json")).path("map")).isEqualTo(body.path("map"));

        HttpResponse<byte[]> n = saliency("method=" + method, "application/x-npy");
        assertThat(n.statusCode()).isEqualTo(200);
        assertThat(ApiIntegrationTest.Npy.parse(n.body()).shape()).containsExactly(32L, 32L, 1L);
    }

    @Test
    void segmentsRenderOutlinesTheTopSegments() throws IOException {
        HttpResponse<byte[]> r = saliency("method=lime&render=segments&topK=2&size=original", "image/png");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        BufferedImage img = ApiClient.decode(r.body());
        int yellow = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                yellow += (img.getRGB(x, y) & 0xFFFFFF) == SaliencyRenderer.OUTLINE_RGB ? 1 : 0;
            }
        }
        assertThat(yellow).isPositive();
        HttpResponse<byte[]> refused = saliency("method=occlusion&render=segments", "image/png");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(text(refused)).contains("render=segments");
    }

    /** The README's pictures: one per method on a planted image (written only when asked). */
    @Test
    void writesDocsPictures() throws IOException {
        if (!Boolean.getBoolean("salience.docs.write")) {
            return;
        }
        Path dir = Path.of("docs/planted");
        Files.createDirectories(dir);
        BufferedImage input = ApiClient.decode(Files.readAllBytes(EXAMPLE));
        BufferedImage scaled = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        var gi = scaled.createGraphics();
        gi.drawImage(input, 0, 0, 128, 128, null);
        gi.dispose();
        Files.write(dir.resolve("input.png"), ApiClient.encode(scaled));
        List<String[]> pictures = new java.util.ArrayList<>();
        for (tools.jackson.databind.JsonNode m : ApiClient.json(api.get("/v1/methods"))) {
            String name = m.path("name").asString();
            pictures.add(new String[] {
                name.replace("++", "-plus-plus"),
                "method=" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8)
                        + "&render=heatmap"
            });
        }
        pictures.add(new String[] {"lime-segments", "method=lime&render=segments&topK=3"});
        for (String[] pic : pictures) {
            String q = pic[1];
            HttpResponse<byte[]> r = saliency(q, "image/png");
            assertThat(r.statusCode()).as(q + ": " + text(r)).isEqualTo(200);
            BufferedImage small = ApiClient.decode(r.body());
            BufferedImage big = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
            var g = big.createGraphics();
            g.drawImage(small, 0, 0, 128, 128, null);
            g.dispose();
            Files.write(dir.resolve(pic[0] + ".png"), ApiClient.encode(big));
        }
    }
}
