package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.inference.InferencePool;
import io.salience.model.ModelRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A real server over the demo model only, for tests of the inference pool through HTTP. Subclasses carry their own
 * {@code @SpringBootTest(webEnvironment = RANDOM_PORT, properties = ...)} with the pool settings they need.
 */
abstract class DemoPoolServer {

    static final Path MODELS = TestModels.demoOnly();

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

    @Autowired
    InferencePool pool;

    ApiClient api;

    /** A client of the management port (actuator). */
    ApiClient management;

    @BeforeEach
    void awaitModels() {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5)))
                .as("models loaded")
                .isTrue();
        api = new ApiClient(port);
        management = new ApiClient(managementPort);
    }
}
