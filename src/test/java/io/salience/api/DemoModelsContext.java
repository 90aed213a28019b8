package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.model.ModelRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One shared application context (real server on a random port) over the demo model and a broken descriptor, with a
 * small pixel limit (10,000) so the 413 path is cheap to reach, and a row cap (20,001) above the longest job's. Subclasses share the cached context.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.api.max-pixels=10000"})
abstract class DemoModelsContext {

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
