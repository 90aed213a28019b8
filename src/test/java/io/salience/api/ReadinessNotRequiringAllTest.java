package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.model.ModelRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** With {@code salience.models.require-all=false} one broken descriptor no longer holds readiness DOWN. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.models.require-all=false"})
class ReadinessNotRequiringAllTest {

    static final Path MODELS = TestModels.demoWithBroken();

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry registry) {
        registry.add("salience.models.dir", MODELS::toString);
    }

    @LocalServerPort
    int port;

    /** The actuator's own port (management.server.port, random in tests). */
    @LocalManagementPort
    int managementPort;

    @Autowired
    ModelRegistry registry;

    @Test
    void readinessIsUpDespiteTheBrokenDescriptor() {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();
        ApiClient api = new ApiClient(port);
        HttpResponse<byte[]> r = new ApiClient(managementPort).get("/actuator/health/readiness");
        String body = ApiClient.text(r);
        assertThat(r.statusCode()).as(body).isEqualTo(200);
        JsonNode health = ApiClient.json(r);
        assertThat(health.path("status").asString()).isEqualTo("UP");
        // the failure is still reported, just not fatal
        assertThat(body).contains(TestModels.BROKEN_KEY).contains("input.colorMode");

        JsonNode list = ApiClient.json(api.get("/v1/models"));
        assertThat(list.toString()).contains("\"failed\"").contains("\"ready\"");
    }
}
