package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.UnixOperatingSystemMXBean;
import io.salience.inference.InferencePool;
import io.salience.model.ModelRegistry;
import io.salience.testing.HostileImages;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Hostile uploads and per-request limits over real HTTP, with the shipped limits (the committed demo models, no
 * pixel limit lowered), except {@code max-in-flight=2} (the README's value for 2 cores, so slow uploads would
 * matter) and {@code max-output-pixels} lowered to 1 MP so that it is reachable below idc-demo's 2.56 MP pixel cap.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "salience.models.dir=models",
            "salience.pool.max-in-flight=2",
            "salience.api.max-output-pixels=1000000"
        })
class HardeningIntegrationTest {

    private static final String PREDICT = "/v1/models/idc-demo/predict";
    private static final String SALIENCY = "/v1/models/idc-demo/saliency";
    private static final URI TOO_LARGE = URI.create("urn:salience:problem:too-large");

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry registry;

    @Autowired
    InferencePool pool;

    ApiClient api;

    @BeforeEach
    void awaitModels() {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();
        api = new ApiClient(port);
    }

    private HttpResponse<byte[]> upload(String path, byte[] image) {
        return api.multipart(path, "application/json", List.of(ApiClient.Part.image("x", image)));
    }

    @Test
    void everyHostileInputIsAnsweredQuicklyWithoutServerErrorsAndResourcesReturnToBaseline() throws Exception {
        List<HostileImages.Case> corpus = HostileImages.corpus();
        runCorpus(corpus, false); // warm-up: classes, buffers, thread pools
        Resources before = Resources.now();
        runCorpus(corpus, true);
        Resources after = Resources.now();
        System.out.println("hostile corpus: before " + before + ", after " + after);
        assertThat(after.heapMiB - before.heapMiB).as("heap MiB").isLessThan(64);
        assertThat(after.threads - before.threads).as("threads").isLessThanOrEqualTo(4);
        assertThat(after.fds - before.fds).as("file descriptors").isLessThanOrEqualTo(8);
        assertThat((double) after.rssMiB / before.rssMiB).as("RSS").isLessThan(1.15);
    }

    private void runCorpus(List<HostileImages.Case> corpus, boolean timed) {
        boolean report = timed;
        for (HostileImages.Case c : corpus) {
            for (String path : List.of(PREDICT, SALIENCY)) {
                long t0 = System.nanoTime();
                HttpResponse<byte[]> r = upload(path, c.bytes());
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                String body = ApiClient.text(r);
                if (report) {
                    System.out.printf(
                            "hostile %-22s %-9s %d in %4d ms: %s%n",
                            c.name(),
                            path.substring(path.lastIndexOf('/') + 1),
                            r.statusCode(),
                            ms,
                            r.statusCode() == 200 ? "" : body);
                }
                assertThat(r.statusCode() / 100)
                        .as(c.name() + " " + path + ": " + body)
                        .isEqualTo(c.statusClass());
                if (report) { // the warm-up pass pays for class loading and first compilations
                    assertThat(ms).as(c.name() + " answered within 2 s").isLessThan(2000);
                }
                assertThat(body)
                        .doesNotContain("Exception")
                        .doesNotContain("\tat ")
                        .doesNotContain("io.salience");
            }
        }
    }

    @Test
    void aRequestOverTheModelsRowCapIsRefusedUpFront() {
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r =
                upload(SALIENCY + "?method=smoothgrad&base=integrated-gradients&samples=512", ApiClient.png(50, 50, 1));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        JsonNode p = ApiClient.assertProblem(r, 422, URI.create("urn:salience:problem:too-much-work"));
        assertThat(p.get("maxRows").asLong()).isEqualTo(4096);
        assertThat(p.get("rows").asLong()).isEqualTo(1 + 512 * 33);
        assertThat(p.get("detail").asText()).contains("cap of 4096");
        assertThat(ms).isLessThan(2000);
        // within the cap it is served
        assertThat(upload(SALIENCY + "?method=smoothgrad&base=integrated-gradients&samples=4", ApiClient.png(50, 50, 1))
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void eachModelHasAPixelCapRelativeToItsInput() {
        // idc-demo takes 50x50: 1024 x 2500 = 2,560,000 pixels; planted-demo 32x32: 1,048,576
        byte[] big = HostileImages.png(1700, 1700, 2); // 2.89 MP
        JsonNode p = ApiClient.assertProblem(upload(PREDICT, big), 413, TOO_LARGE);
        assertThat(p.get("detail").asText()).contains("2560000");
        byte[] mid = HostileImages.png(1200, 1200, 3); // 1.44 MP
        assertThat(upload(PREDICT, mid).statusCode()).isEqualTo(200);
        JsonNode q = ApiClient.assertProblem(upload("/v1/models/planted-demo/predict", mid), 413, TOO_LARGE);
        assertThat(q.get("detail").asText()).contains("1048576");
    }

    @Test
    void sizeOriginalIsCappedInOutputPixels() {
        HttpResponse<byte[]> r = api.multipart(
                SALIENCY + "?size=original",
                "image/png",
                List.of(ApiClient.Part.image("x", HostileImages.png(1100, 1100, 4))));
        JsonNode p = ApiClient.assertProblem(r, 400, URI.create("urn:salience:problem:invalid-parameter"));
        assertThat(p.get("parameter").asText()).isEqualTo("size");
        assertThat(p.get("detail").asText()).contains("1000000");
        HttpResponse<byte[]> ok = api.multipart(
                SALIENCY + "?size=original",
                "image/png",
                List.of(ApiClient.Part.image("x", HostileImages.png(900, 900, 5))));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ApiClient.decode(ok.body()).getWidth()).isEqualTo(900);
    }

    @Test
    void tricklingUploadsHoldNoAdmission() throws Exception {
        AtomicBoolean trickling = new AtomicBoolean(true);
        List<Socket> sockets = new ArrayList<>();
        List<Thread> senders = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) { // more than max-in-flight=2
                Socket s = new Socket("localhost", port);
                sockets.add(s);
                OutputStream out = s.getOutputStream();
                String boundary = "trickle" + i;
                byte[] body = ApiClient.multipartBody(
                        boundary, List.of(ApiClient.Part.image("t.png", ApiClient.png(50, 50, i))));
                out.write(("POST " + PREDICT + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data;"
                                + " boundary=" + boundary + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body, 0, 100);
                out.flush();
                Thread t = new Thread(() -> {
                    try {
                        for (int k = 100; k < body.length - 1 && trickling.get(); k++) {
                            out.write(body[k]);
                            out.flush();
                            Thread.sleep(200);
                        }
                    } catch (IOException | InterruptedException e) {
                        // closed by the test
                    }
                });
                t.setDaemon(true);
                t.start();
                senders.add(t);
            }
            Thread.sleep(500);
            for (int i = 0; i < 5; i++) {
                HttpResponse<byte[]> r = upload(PREDICT, ApiClient.png(50, 50, 10 + i));
                assertThat(r.statusCode())
                        .as("served while 3 uploads trickle: " + ApiClient.text(r))
                        .isEqualTo(200);
            }
            assertThat(pool.requestsInFlight())
                    .as("trickling uploads are not admitted")
                    .isZero();
        } finally {
            trickling.set(false);
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** Heap after GC, live threads, open file descriptors and resident memory of this JVM (the server's). */
    record Resources(long heapMiB, int threads, long fds, long rssMiB) {
        static Resources now() throws InterruptedException {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(200);
            }
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            long fds = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getOpenFileDescriptorCount();
            return new Resources(heap, threads, fds, readRssMiB());
        }

        static long readRssMiB() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return 0;
        }
    }
}
