package io.salience.api;

import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.salience.api.ApiClient.Part;
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
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The sanity check over HTTP on planted-demo with a shipped example image and six methods, as JSON and as the PNG
 * panel; with {@code -Dsalience.docs.write=true} it writes the README's picture {@code docs/sanity/planted-demo.png}.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.models.dir=models"})
class SanityPlantedApiTest {

    static final Path EXAMPLE = Path.of("examples/planted-demo/red-6.png");
    static final String QUERY =
            "?methods=gradient,integrated-gradients,smoothgrad,guided-backprop,grad-cam,guided-grad-cam";

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

    private HttpResponse<byte[]> sanity(String accept) throws IOException {
        return api.multipart(
                "/v1/models/planted-demo/sanity" + QUERY,
                accept,
                List.of(Part.image("red-6.png", Files.readAllBytes(EXAMPLE))));
    }

    @Test
    void sixMethodsAsJsonAndAsThePaperPanel() throws IOException {
        HttpResponse<byte[]> r = sanity("application/json");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("target").path("label").asString()).isEqualTo("red");
        assertThat(body.path("steps").size()).isEqualTo(4);
        StringBuilder table = new StringBuilder();
        for (JsonNode s : body.path("steps")) {
            table.append(s.path("step").asInt())
                    .append(' ')
                    .append(s.path("layer").asString());
            for (var e : s.path("similarities").properties()) {
                table.append(String.format(
                        java.util.Locale.ROOT,
                        " | %s %.2f",
                        e.getKey(),
                        e.getValue().path("spearmanAbs").asDouble()));
            }
            table.append('\n');
        }
        System.out.println(table);
        // the full cascade leaves nothing of the gradient map's signed ranking
        JsonNode last = body.path("steps").get(3).path("similarities");
        assertThat(Math.abs(last.path("gradient").path("spearman").asDouble())).isLessThan(0.35);

        HttpResponse<byte[]> png = sanity("image/png");
        assertThat(png.statusCode()).as(text(png)).isEqualTo(200);
        BufferedImage img = ApiClient.decode(png.body());
        // rows: trained + 4 steps; columns: input + 6 methods (32 px drawn at 3x)
        assertThat(img.getHeight()).isBetween(5 * 96, 5 * 96 + 5 * 20 + 40);
        assertThat(img.getWidth()).isBetween(7 * 96, 7 * 100 + 130);
        if (Boolean.getBoolean("salience.docs.write")) {
            Files.createDirectories(Path.of("docs/sanity"));
            Files.write(Path.of("docs/sanity/planted-demo.png"), png.body());
        }
    }
}
