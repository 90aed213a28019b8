package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * {@code salience.pool.max-in-flight} over real HTTP: never more admitted requests than the limit, the overflow
 * answered 503 at once, and every admission released again, after errors too.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.pool.max-in-flight=2", "salience.pool.retry-after=3s"})
class MaxInFlightIntegrationTest extends DemoPoolServer {

    private static final String SLOW =
            "/v1/models/idc-demo/saliency?method=integrated-gradients&steps=512&baseline=black";

    @Test
    void admitsAtMostTheLimitAndReleasesEveryAdmission() throws Exception {
        List<ApiClient.Part> image = List.of(ApiClient.Part.image("p.png", ApiClient.png(50, 50, 3)));

        // Failures release their admission: with a limit of 2, ten failed requests in a row would otherwise block.
        for (int i = 0; i < 10; i++) {
            HttpResponse<byte[]> bad = api.multipart(SLOW.replace("steps=512", "steps=0"), "application/json", image);
            assertThat(bad.statusCode()).as(ApiClient.text(bad)).isEqualTo(400);
        }
        assertThat(pool.requestsInFlight()).isZero();

        int clients = 8;
        ExecutorService executor = Executors.newFixedThreadPool(clients + 1);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger most = new AtomicInteger();
        List<HttpResponse<byte[]>> responses = new ArrayList<>();
        try {
            CompletableFuture<Void> sampler = CompletableFuture.runAsync(
                    () -> {
                        while (!done.get()) {
                            most.accumulateAndGet(pool.requestsInFlight(), Math::max);
                            Thread.onSpinWait();
                        }
                    },
                    executor);
            List<CompletableFuture<HttpResponse<byte[]>>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                futures.add(
                        CompletableFuture.supplyAsync(() -> api.multipart(SLOW, "application/json", image), executor));
            }
            for (CompletableFuture<HttpResponse<byte[]>> f : futures) {
                responses.add(f.get(5, TimeUnit.MINUTES));
            }
            done.set(true);
            sampler.get(10, TimeUnit.SECONDS);
        } finally {
            executor.shutdownNow();
        }

        assertThat(most.get()).as("admitted requests at once").isBetween(1, 2);
        List<HttpResponse<byte[]>> rejected =
                responses.stream().filter(r -> r.statusCode() == 503).toList();
        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isIn(200, 503));
        assertThat(rejected).as("8 clients, limit 2").isNotEmpty();
        assertThat(responses).anyMatch(r -> r.statusCode() == 200);
        for (HttpResponse<byte[]> r : rejected) {
            assertThat(r.headers().firstValue("Retry-After")).hasValue("3");
            assertThat(ApiClient.text(r)).contains("max-in-flight 2").contains("urn:salience:problem:overloaded");
        }
        assertThat(pool.requestsInFlight()).isZero();
        // All released: requests one at a time are all admitted.
        for (int i = 0; i < 3; i++) {
            HttpResponse<byte[]> ok = api.multipart(SLOW.replace("steps=512", "steps=4"), "application/json", image);
            assertThat(ok.statusCode()).as(ApiClient.text(ok)).isEqualTo(200);
        }
        String metrics = ApiClient.text(management.get("/actuator/prometheus", "text/plain"));
        assertThat(ApiClient.metricSum(metrics, "salience_requests_in_flight", ""))
                .isZero();
    }
}
