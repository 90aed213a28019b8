package io.salience.api;

import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.salience.model.ModelRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A descriptor can pin its SavedModel's SHA-256. Two copies of the demo SavedModel in a temporary folder: one
 * untouched and pinned to the hash the test computes (it loads, and its responses carry that hash), one with a
 * single byte of its weights changed and the same pin (it is refused, and health, the model list and the log say
 * why); a malformed pin is a descriptor error.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ModelIntegrityIntegrationTest {

    static final Path DIR = TestModels.tempDir("salience-integrity");
    static final String PIN = ModelHashes.savedModel(TestModels.DEMO_SAVED_MODEL);
    static final ListAppender<ILoggingEvent> REGISTRY_LOG = new ListAppender<>();

    static {
        REGISTRY_LOG.start();
        ((Logger) LoggerFactory.getLogger(ModelRegistry.class)).addAppender(REGISTRY_LOG);
        copy(TestModels.DEMO_SAVED_MODEL, DIR.resolve("good/saved_model"));
        Path tampered = DIR.resolve("tampered/saved_model");
        copy(TestModels.DEMO_SAVED_MODEL, tampered);
        try (Stream<Path> s = Files.list(tampered.resolve("variables"))) {
            Path data = s.filter(p -> p.getFileName().toString().startsWith("variables.data"))
                    .findFirst()
                    .orElseThrow();
            byte[] b = Files.readAllBytes(data);
            b[b.length / 2] ^= 0x01; // one bit of one weight
            Files.write(data, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        copy(TestModels.DEMO_SAVED_MODEL, DIR.resolve("malformed/saved_model"));
        descriptor("good", PIN);
        descriptor("tampered", PIN);
        descriptor("malformed", "not-a-hash");
    }

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) {
        r.add("salience.models.dir", DIR::toString);
        // this context also checks that the API description can be switched off
        r.add("SALIENCE_API_DOCS_ENABLED", () -> "false");
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    ModelRegistry registry;

    @Test
    void aPinnedModelLoadsOnlyWithItsHash() {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();
        ApiClient api = new ApiClient(port);

        HttpResponse<byte[]> ready = new ApiClient(managementPort).get("/actuator/health/readiness");
        String health = text(ready);
        assertThat(ready.statusCode()).as(health).isEqualTo(503);
        assertThat(health)
                .contains("tampered")
                .contains("SHA-256 is " + ModelHashes.savedModel(DIR.resolve("tampered/saved_model")))
                .contains("pins " + PIN)
                .contains("refusing to load")
                .doesNotContain(DIR.toString());

        JsonNode models = json(api.get("/v1/models"));
        assertThat(find(models, "good").path("status").asString()).isEqualTo("ready");
        assertThat(find(models, "good").path("sha256").asString()).isEqualTo(PIN);
        assertThat(find(models, "good").path("pinned").asBoolean()).isTrue();
        JsonNode tampered = find(models, "tampered");
        assertThat(tampered.path("status").asString()).isEqualTo("failed");
        assertThat(tampered.path("error").asString()).contains("pins " + PIN);
        assertThat(models.toString()).contains("sha256").contains("64 hex digits");

        assertThat(REGISTRY_LOG.list)
                .anySatisfy(e ->
                        assertThat(e.getFormattedMessage()).contains("tampered").contains("refusing to load"));
        assertThat(REGISTRY_LOG.list)
                .anySatisfy(e ->
                        assertThat(e.getFormattedMessage()).contains("good").contains(PIN));

        HttpResponse<byte[]> r = api.multipart(
                "/v1/models/good/saliency",
                "application/json",
                java.util.List.of(ApiClient.Part.image("x.png", ApiClient.png(50, 50, 5))));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(json(r).path("modelSha256").asString()).isEqualTo(PIN);
        assertThat(api.multipart(
                                "/v1/models/tampered/predict",
                                "application/json",
                                java.util.List.of(ApiClient.Part.image("x.png", ApiClient.png(50, 50, 5))))
                        .statusCode())
                .isEqualTo(503);
    }

    @Test
    void theApiDescriptionAndSwaggerUiCanBeSwitchedOff() {
        ApiClient api = new ApiClient(port);
        for (String path : java.util.List.of("/v3/api-docs", "/swagger-ui.html", "/swagger-ui/index.html")) {
            HttpResponse<byte[]> r = api.get(path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(ApiClient.contentType(r)).startsWith("application/problem+json");
        }
    }

    private static JsonNode find(JsonNode models, String name) {
        for (JsonNode m : models) {
            if (m.path("name").asString().equals(name) || m.toString().contains("\"" + name + "/")) {
                return m;
            }
        }
        throw new AssertionError(name + " not in " + models);
    }

    private static void descriptor(String name, String sha256) {
        TestModels.write(
                DIR.resolve(name + "/model.yaml"),
                """
                name: %s
                version: "1.0.0"
                sha256: %s
                input:
                  width: 50
                  height: 50
                  pipeline:
                    - scale: 0.00392156862745098
                output:
                  kind: softmax
                  labels: [no-idc, idc]
                """
                        .formatted(name, sha256));
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
