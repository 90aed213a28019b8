package io.salience.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.inference.InferencePool;
import io.salience.testing.PoolSettings;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/** Which protocol requests are admitted, and the protocol-shaped 503 and 413 of {@link ProtocolAdmissionFilter}. */
class ProtocolAdmissionFilterTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static boolean modelWork(String method, String uri) {
        return ProtocolAdmissionFilter.isModelWork(new MockHttpServletRequest(method, uri));
    }

    @Test
    void inferPredictAndExplainPostsAreModelWork() {
        assertThat(modelWork("POST", "/v2/models/idc-demo/infer")).isTrue();
        assertThat(modelWork("POST", "/v2/models/idc-demo/versions/1.0.0/infer"))
                .isTrue();
        assertThat(modelWork("POST", "/v1/models/idc-demo:predict")).isTrue();
        assertThat(modelWork("POST", "/v1/models/idc-demo:explain")).isTrue();
    }

    @Test
    void everythingElseIsNot() {
        assertThat(modelWork("GET", "/v2/models/idc-demo/infer")).isFalse();
        assertThat(modelWork("POST", "/v2/models/idc-demo/ready")).isFalse();
        assertThat(modelWork("POST", "/v2/models/a/b/infer")).isFalse();
        assertThat(modelWork("POST", "/v1/models/idc-demo/predict")).isFalse(); // the native filter's
        assertThat(modelWork("POST", "/v1/models/idc-demo:delete")).isFalse();
        assertThat(modelWork("POST", "/v1/models/a/b:predict")).isFalse();
    }

    @Test
    void overloadIsA503InTheProtocolShapeWithRetryAfter() throws Exception {
        InferencePool pool = new InferencePool(
                PoolSettings.defaults()
                        .withMaxInFlight(1)
                        .withRetryAfter(Duration.ofMillis(1500))
                        .build(),
                new SimpleMeterRegistry());
        try (pool) {
            InferencePool.Admission held =
                    CompletableFuture.supplyAsync(pool::admit).get();
            ProtocolAdmissionFilter filter = new ProtocolAdmissionFilter(pool, JSON, 1000);
            AtomicBoolean ran = new AtomicBoolean();
            MockHttpServletResponse response = new MockHttpServletResponse();
            filter.doFilter(
                    new MockHttpServletRequest("POST", "/v2/models/m/infer"), response, (rq, rs) -> ran.set(true));
            assertThat(ran).isFalse();
            assertThat(response.getStatus()).isEqualTo(503);
            assertThat(response.getHeader("Retry-After")).isEqualTo("2");
            assertThat(response.getContentType()).startsWith("application/json");
            assertThat(JSON.readTree(response.getContentAsByteArray())
                            .path("error")
                            .asString())
                    .contains("max-in-flight 1");

            held.close();
            MockHttpServletResponse admitted = new MockHttpServletResponse();
            filter.doFilter(
                    new MockHttpServletRequest("POST", "/v1/models/m:predict"), admitted, (rq, rs) -> ran.set(true));
            assertThat(ran).isTrue();
            assertThat(admitted.getStatus()).isEqualTo(200);
        }
    }

    @Test
    void aBodyOverTheRequestLimitIsA413BeforeAdmission() throws Exception {
        try (InferencePool pool = new InferencePool(PoolSettings.defaults().build(), new SimpleMeterRegistry())) {
            ProtocolAdmissionFilter filter = new ProtocolAdmissionFilter(pool, JSON, 10);
            MockHttpServletRequest request = new MockHttpServletRequest("POST", "/v2/models/m/infer");
            request.setContent(new byte[11]);
            MockHttpServletResponse response = new MockHttpServletResponse();
            filter.doFilter(request, response, (rq, rs) -> {
                throw new AssertionError("must not run");
            });
            assertThat(response.getStatus()).isEqualTo(413);
            assertThat(JSON.readTree(response.getContentAsByteArray())
                            .path("error")
                            .asString())
                    .contains("max-request-size");
        }
    }
}
