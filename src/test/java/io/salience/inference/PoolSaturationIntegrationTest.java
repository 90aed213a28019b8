package io.salience.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.model.ModelRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Saturates a one-slot pool (concurrency 1, queue capacity 1) over real HTTP with slow integrated-gradients requests:
 * the overflow is answered 503 with {@code Retry-After} and a problem+json of type overloaded, everything else 200,
 * and the Prometheus counters add up.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "salience.pool.concurrency=1",
            "salience.pool.queue-capacity=1",
            "salience.pool.retry-after=2s",
            "salience.api.max-pixels=10000"
        })
class PoolSaturationIntegrationTest {

    private static final Path MODELS = demoModels();
    private static final int CLIENTS = 12;
    private static final String SLOW =
            "/v1/models/idc-demo/saliency?method=integrated-gradients&steps=1024&baseline=black";

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry registry) {
        registry.add("salience.models.dir", MODELS::toString);
    }

    @AfterAll
    static void deleteModels() throws IOException {
        try (Stream<Path> files = Files.walk(MODELS)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry registry;

    @Autowired
    InferencePool pool;

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void overflowIsRejectedWith503RetryAfterAndProblemJson() throws Exception {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5)))
                .as("models loaded")
                .isTrue();
        HttpResponse<String> readiness = get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"pool\"");
        byte[] body = multipart(png(50, 50, 7));
        HttpResponse<String> warm = post(SLOW.replace("steps=1024", "steps=4"), body);
        assertThat(warm.statusCode()).as(warm.body()).isEqualTo(200);

        ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);
        List<HttpResponse<String>> responses = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                futures.add(CompletableFuture.supplyAsync(
                        () -> {
                            awaitQuietly(start);
                            return post(SLOW, body);
                        },
                        executor));
            }
            start.countDown();
            for (CompletableFuture<HttpResponse<String>> f : futures) {
                responses.add(f.get(5, TimeUnit.MINUTES));
            }
        } finally {
            executor.shutdownNow();
        }

        List<HttpResponse<String>> rejected =
                responses.stream().filter(r -> r.statusCode() == 503).toList();
        assertThat(responses)
                .as("every response is 200 or 503")
                .allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isIn(200, 503));
        String statuses = responses.stream()
                .map(r -> Integer.toString(r.statusCode()))
                .toList()
                .toString();
        assertThat(rejected).as("at least one rejection: " + statuses).isNotEmpty();
        assertThat(responses).as("at least one success").anyMatch(r -> r.statusCode() == 200);
        for (HttpResponse<String> r : rejected) {
            assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(r.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
            assertThat(r.body())
                    .contains("\"type\":\"urn:salience:problem:overloaded\"")
                    .contains("\"status\":503");
        }

        awaitIdle();
        String metrics = get("/actuator/prometheus").body();
        assertThat(sum(metrics, "salience_rejected_total", "reason=\"queue_full\""))
                .as("queue_full rejections")
                .isGreaterThanOrEqualTo(1.0);
        double accepted = sum(metrics, "salience_requests_accepted_total", "");
        double completed = sum(metrics, "salience_requests_completed_total", "");
        double failed = sum(metrics, "salience_requests_failed_total", "");
        double rejectedAfterAdmission = sum(metrics, "salience_rejected_total", "phase=\"admitted\"");
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

    /** Sum of the samples of a Prometheus counter whose labels contain {@code labelFilter}. */
    private static double sum(String prometheus, String name, String labelFilter) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})?\\s+(\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(prometheus);
        double total = 0;
        boolean found = false;
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(labelFilter)) {
                total += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        assertThat(found).as(name + " " + labelFilter + " in\n" + prometheus).isTrue();
        return total;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(1))
                .GET()
                .build());
    }

    private HttpResponse<String> post(String path, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final String BOUNDARY = "salience-saturation-test";

    private static byte[] multipart(byte[] png) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(png);
        out.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static byte[] png(int width, int height, long seed) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** idc-demo by absolute path to the committed SavedModel, in a fresh temporary models folder. */
    private static Path demoModels() {
        Path savedModel = Path.of("models", "idc-demo", "saved_model").toAbsolutePath();
        try {
            Path dir = Files.createTempDirectory("salience-saturation-models");
            Path descriptor = dir.resolve("idc-demo/model.yaml");
            Files.createDirectories(descriptor.getParent());
            Files.writeString(
                    descriptor,
                    """
                    name: idc-demo
                    version: "1.0.0"
                    savedModel: '%s'
                    signature: serving_default
                    input:
                      layout: NHWC
                      width: 50
                      height: 50
                      colorMode: rgb
                      resize: bilinear
                      pipeline:
                        - scale: 0.00392156862745098
                    output:
                      kind: softmax
                      labels: [no-idc, idc]
                    """
                            .formatted(savedModel.toString().replace("'", "''")));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
