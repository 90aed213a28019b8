package io.salience.api;

import static io.salience.api.ApiClient.assertProblem;
import static io.salience.api.ApiClient.contentType;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * What the viewer page reads besides the core API, over real HTTP on the committed {@code models/} and {@code
 * examples/} folders: the page at {@code GET /} (HTML for browsers, the KServe liveness JSON for everyone else), its
 * static modules, the shipped examples and the colour maps.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.models.dir=models"})
class ViewerApiTest {

    private static final Path EXAMPLES = Path.of("examples", "planted-demo");

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

    @Test
    void rootServesThePageToBrowsersAndLivenessToEveryoneElse() {
        HttpResponse<byte[]> page =
                api.get("/", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(contentType(page)).startsWith("text/html");
        assertThat(text(page)).contains("<script type=\"module\" src=\"/viewer/app.js\">", "<html lang=\"en\">");

        for (String accept : new String[] {null, "*/*", "application/json"}) {
            HttpResponse<byte[]> alive = api.get("/", accept);
            assertThat(alive.statusCode()).as("Accept %s", accept).isEqualTo(200);
            assertThat(contentType(alive)).as("Accept %s", accept).startsWith("application/json");
            assertThat(json(alive).path("status").asString()).isEqualTo("alive");
        }
    }

    @Test
    void pageModulesAreServed() {
        for (String module : new String[] {"app.js", "api.js", "render.js", "messages.js"}) {
            HttpResponse<byte[]> r = api.get("/viewer/" + module, "*/*");
            assertThat(r.statusCode()).as(module).isEqualTo(200);
            assertThat(contentType(r)).as(module).contains("javascript");
        }
        HttpResponse<byte[]> css = api.get("/viewer/viewer.css", "*/*");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(contentType(css)).startsWith("text/css");
        assertProblem(api.get("/viewer/nope.js", "*/*"), 404, Problems.NOT_FOUND);
    }

    @Test
    void examplesAreListedWithTheirCsvPropertiesAndServedAsShipped() throws IOException {
        JsonNode list = json(api.get("/v1/models/planted-demo/examples"));
        assertThat(list.path("model").asString()).isEqualTo("planted-demo");
        List<String> names = new ArrayList<>();
        list.path("examples").forEach(e -> names.add(e.path("name").asString()));
        List<String> onDisk;
        try (var files = Files.list(EXAMPLES)) {
            onDisk = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".png"))
                    .sorted()
                    .toList();
        }
        assertThat(names).isEqualTo(onDisk).hasSize(6);
        // squares.csv: file,label,x,y,size
        List<String> csv = Files.readAllLines(EXAMPLES.resolve("squares.csv"));
        for (JsonNode e : list.path("examples")) {
            String name = e.path("name").asString();
            String row = csv.stream()
                    .filter(l -> l.startsWith(name + ","))
                    .findFirst()
                    .orElseThrow();
            String[] cells = row.split(",");
            assertThat(e.path("properties").path("label").asString()).isEqualTo(cells[1]);
            assertThat(e.path("properties").path("x").asString()).isEqualTo(cells[2]);
            assertThat(e.path("properties").path("y").asString()).isEqualTo(cells[3]);
            assertThat(e.path("mediaType").asString()).isEqualTo("image/png");
            byte[] file = Files.readAllBytes(EXAMPLES.resolve(name));
            assertThat(e.path("bytes").asLong()).isEqualTo(file.length);
            HttpResponse<byte[]> img = api.get(e.path("url").asString(), "*/*");
            assertThat(img.statusCode()).isEqualTo(200);
            assertThat(contentType(img)).isEqualTo("image/png");
            assertThat(img.body()).isEqualTo(file);
        }
        // the example's label is what the model predicts for it
        JsonNode first = list.path("examples").get(0);
        HttpResponse<byte[]> p = api.multipart(
                "/v1/models/planted-demo/predict",
                "application/json",
                List.of(Part.image(
                        first.path("name").asString(),
                        api.get(first.path("url").asString(), "*/*").body())));
        assertThat(json(p).path("predictions")
                        .get(0)
                        .path("classes")
                        .get(0)
                        .path("label")
                        .asString())
                .isEqualTo(first.path("properties").path("label").asString());
    }

    @Test
    void examplesErrors() {
        assertThat(json(api.get("/v1/models/idc-demo/examples"))
                        .path("examples")
                        .size())
                .as("idc-demo ships no examples")
                .isZero();
        assertProblem(api.get("/v1/models/nope/examples"), 404, Problems.UNKNOWN_MODEL);
        assertProblem(api.get("/v1/models/nope/examples/red-6.png"), 404, Problems.UNKNOWN_MODEL);
        JsonNode p = assertProblem(api.get("/v1/models/planted-demo/examples/red-5.png"), 404, Problems.NOT_FOUND);
        assertThat(p.path("detail").asString()).contains("/v1/models/planted-demo/examples");
        // only listed files: not the CSV, not a path out of the folder
        assertProblem(api.get("/v1/models/planted-demo/examples/squares.csv"), 404, Problems.NOT_FOUND);
        HttpResponse<byte[]> up = api.get("/v1/models/planted-demo/examples/..%2F..%2Fpom.xml", "*/*");
        assertThat(up.statusCode()).isIn(400, 404);
        assertThat(text(up)).doesNotContain("<project");
    }

    @Test
    void colormapsAreTheTablesThePngUses() {
        JsonNode maps = json(api.get("/v1/colormaps"));
        List<String> names = new ArrayList<>();
        maps.forEach(m -> names.add(m.path("name").asString()));
        assertThat(names).containsExactly("viridis", "inferno", "jet", "gray");
        for (JsonNode m : maps) {
            assertThat(m.path("colors").size()).isEqualTo(256);
            boolean viridis = m.path("name").asString().equals("viridis");
            assertThat(m.path("default").asBoolean()).isEqualTo(viridis);
            assertThat(m.path("colorBlindSafe").asBoolean())
                    .isEqualTo(!m.path("name").asString().equals("jet"));
        }
        assertThat(maps.get(3).path("colors").get(128).asString()).isEqualTo("#808080");

        // every pixel of a heatmap PNG is table entry min(255, floor(256 v)) of the JSON map value at that pixel
        byte[] image = ApiClient.png(32, 32, 7);
        for (int k = 0; k < maps.size(); k++) {
            JsonNode m = maps.get(k);
            String q = "/v1/models/planted-demo/saliency?method=gradient&render=heatmap&colormap="
                    + m.path("name").asString();
            BufferedImage png = ApiClient.decode(api.multipart(q, "image/png", List.of(Part.image("x.png", image)))
                    .body());
            JsonNode body = json(api.multipart(q, "application/json", List.of(Part.image("x.png", image))));
            JsonNode values = body.path("map");
            assertThat(values.size()).isEqualTo(32 * 32);
            for (int i = 0; i < 32 * 32; i++) {
                double v = (float) values.get(i).asDouble(); // the float the server rendered
                int entry = v > 0 ? (int) Math.min(255, Math.floor(v * 256)) : 0;
                int expected =
                        Integer.parseInt(m.path("colors").get(entry).asString().substring(1), 16);
                assertThat(png.getRGB(i % 32, i / 32) & 0xFFFFFF)
                        .as("%s pixel %d value %s", m.path("name").asString(), i, v)
                        .isEqualTo(expected);
            }
        }
    }
}
