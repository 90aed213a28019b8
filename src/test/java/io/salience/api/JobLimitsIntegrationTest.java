package io.salience.api;

import static io.salience.api.ApiClient.assertProblem;
import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.png;
import static org.assertj.core.api.Assertions.assertThat;

import io.salience.api.ApiClient.Part;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/** The job store's bounds over HTTP: max-jobs answers 503 with Retry-After, finished jobs expire after the ttl. */
@TestPropertySource(properties = {"salience.jobs.max-jobs=2", "salience.jobs.ttl=2s"})
class JobLimitsIntegrationTest extends DemoModelsContext {

    private static final String SALIENCY = "/v1/models/idc-demo/saliency?method=gradient&async=true";

    @Test
    void aFullStoreAnswers503WithRetryAfterAndFinishedJobsExpireAfterTheTtl() throws Exception {
        byte[] image = png(50, 50, 3);
        String first = submit(image);
        String second = submit(image);
        awaitState(first, "succeeded");
        awaitState(second, "succeeded");

        HttpResponse<byte[]> full = api.multipart(SALIENCY, "image/png", List.of(Part.image("x.png", image)));
        JsonNode p = assertProblem(full, 503, Problems.JOB_STORE_FULL);
        assertThat(p.path("detail").asString()).contains("salience.jobs.max-jobs");
        int retryAfter =
                Integer.parseInt(full.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter)
                .as("seconds until the first finished job expires")
                .isBetween(1, 2);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (api.get(first).statusCode() == 200 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertProblem(api.get(first), 404, Problems.NOT_FOUND);
        assertProblem(api.get(first + "/result", null), 404, Problems.NOT_FOUND);
        assertThat(submit(image)).as("room again after expiry").isNotBlank();
    }

    private String submit(byte[] image) {
        HttpResponse<byte[]> r = api.multipart(SALIENCY, "image/png", List.of(Part.image("x.png", image)));
        assertThat(r.statusCode()).as(ApiClient.text(r)).isEqualTo(202);
        return r.headers().firstValue("Location").orElseThrow();
    }

    private void awaitState(String location, String state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String now = json(api.get(location)).path("state").asString();
        while (!now.equals(state) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = json(api.get(location)).path("state").asString();
        }
        assertThat(now).isEqualTo(state);
    }
}
