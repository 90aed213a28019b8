package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Saturates a one-slot pool (concurrency 1, queue capacity 1) over real HTTP with slow integrated-gradients requests
 * (two first, the rest once one of them waits in the queue):
 * the overflow is answered 503 with {@code Retry-After} and a problem+json of type overloaded, everything else 200,
 * and the Prometheus counters add up.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "salience.pool.concurrency=1",
            "salience.pool.max-in-flight=0",
            "salience.pool.queue-capacity=1",
            "salience.pool.retry-after=2s",
            "salience.api.max-pixels=10000"
        })
class PoolSaturationIntegrationTest extends DemoPoolServer {

    private static final int CLIENTS = 12;
    private static final String SLOW =
            "/v1/models/idc-demo/saliency?method=integrated-gradients&steps=1024&baseline=black";

    @Test
    void overflowIsRejectedWith503RetryAfterAndProblemJson() throws Exception {
        HttpResponse<byte[]> readiness = management.get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).as(ApiClient.text(readiness)).isEqualTo(200);
        assertThat(ApiClient.text(readiness)).contains("\"pool\"");
        List<ApiClient.Part> image = List.of(ApiClient.Part.image("p.png", ApiClient.png(50, 50, 7)));
        HttpResponse<byte[]> warm = api.multipart(SLOW.replace("steps=1024", "steps=4"), "application/json", image);
        assertThat(warm.statusCode()).as(ApiClient.text(warm)).isEqualTo(200);

        ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);
        List<HttpResponse<byte[]>> responses = new ArrayList<>();
        try {
            // two slow requests first: one runs, the other's rows (or the first's remainder) wait in the queue
            List<CompletableFuture<HttpResponse<byte[]>>> futures = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                futures.add(
                        CompletableFuture.supplyAsync(() -> api.multipart(SLOW, "application/json", image), executor));
            }
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (pool.queueDepth() < 1 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertThat(pool.queueDepth())
                    .as("a request waits in the one-slot queue")
                    .isGreaterThanOrEqualTo(1);
            // then the rest at once, while the queue is full
            CountDownLatch start = new CountDownLatch(1);
            for (int i = 2; i < CLIENTS; i++) {
                futures.add(CompletableFuture.supplyAsync(
                        () -> {
                            awaitQuietly(start);
                            return api.multipart(SLOW, "application/json", image);
                        },
                        executor));
            }
            start.countDown();
            for (CompletableFuture<HttpResponse<byte[]>> f : futures) {
                responses.add(f.get(5, TimeUnit.MINUTES));
            }
        } finally {
            executor.shutdownNow();
        }

        List<HttpResponse<byte[]>> rejected =
                responses.stream().filter(r -> r.statusCode() == 503).toList();
        assertThat(responses).as("every response is 200 or 503").allSatisfy(r -> assertThat(r.statusCode())
                .as(ApiClient.text(r))
                .isIn(200, 503));
        String statuses = responses.stream()
                .map(r -> Integer.toString(r.statusCode()))
                .toList()
                .toString();
        assertThat(rejected).as("at least one rejection: " + statuses).isNotEmpty();
        assertThat(responses).as("at least one success").anyMatch(r -> r.statusCode() == 200);
        for (HttpResponse<byte[]> r : rejected) {
            assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(r.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
            assertThat(ApiClient.text(r))
                    .contains("\"type\":\"urn:salience:problem:overloaded\"")
                    .contains("\"status\":503");
        }

        awaitIdle();
        String metrics = ApiClient.text(management.get("/actuator/prometheus", "text/plain"));
        assertThat(ApiClient.metricSum(metrics, "salience_rejected_total", "reason=\"queue_full\""))
                .as("queue_full rejections")
                .isGreaterThanOrEqualTo(1.0);
        double accepted = ApiClient.metricSum(metrics, "salience_requests_accepted_total", "");
        double completed = ApiClient.metricSum(metrics, "salience_requests_completed_total", "");
        double failed = ApiClient.metricSum(metrics, "salience_requests_failed_total", "");
        double rejectedAfterAdmission = ApiClient.metricSum(metrics, "salience_rejected_total", "phase=\"admitted\"");
        assertThat(accepted).isPositive();
        assertThat(accepted).as(metrics).isEqualTo(completed + failed + rejectedAfterAdmission);
    }

    private void awaitIdle() throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((pool.queueDepth() > 0 || pool.inflight() > 0) && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(pool.queueDepth()).isZero();
        assertThat(pool.inflight()).isZero();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
