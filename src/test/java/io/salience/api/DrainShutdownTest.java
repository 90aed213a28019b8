package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.salience.SalienceApplication;
import io.salience.testing.HostileImages;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * SIGTERM with work that cannot finish within the grace period: the real application in its own JVM, a 3 s
 * {@code shutdown-timeout}, and two uploads whose decode takes several seconds (a progressive JPEG of many scans,
 * allowed here by {@code max-jpeg-scans=10000}). Readiness goes DOWN at once; the two requests are answered with 503
 * {@code shutting_down} problem+json before the listener closes; the process exits within the grace period plus a
 * few seconds although the decodes are still running. Also: the request's deadline covers its decode.
 */
class DrainShutdownTest {

    // short, so that the slow decodes (over 500 ms: see the deadline case) outlast it on an idle machine too
    private static final long GRACE_MS = 700;

    @TempDir
    Path work;

    @Test
    void workThatOutlastsTheGracePeriodGets503ShuttingDownAndTheProcessExits() throws Exception {
        int port;
        int managementPort;
        try (ServerSocket s = new ServerSocket(0);
                ServerSocket m = new ServerSocket(0)) {
            port = s.getLocalPort();
            managementPort = m.getLocalPort();
        }
        Process app = start(port, managementPort);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            ApiClient api = new ApiClient(port);
            ApiClient management = new ApiClient(managementPort); // the actuator has a port of its own
            awaitReady(management, app);
            byte[] slow = HostileImages.scanBomb(HostileImages.jpeg(512, 512, 1, true), 550);
            assertThat(slow.length).isLessThan(20 << 20);

            // the request's deadline covers decoding: 503 deadline at about timeoutMs, not after the decode
            long t0 = System.nanoTime();
            HttpResponse<byte[]> timedOut = upload(api, "/v1/models/idc-demo/predict?timeoutMs=500", slow);
            long deadlineMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            JsonNode p = ApiClient.assertProblem(timedOut, 503, URI.create("urn:salience:problem:overloaded"));
            assertThat(p.get("reason").asText()).isEqualTo("deadline");
            // (the time includes the 18 MB upload, which the budget does not count: it starts at admission)
            System.out.printf("slow decode with timeoutMs=500: 503 deadline after %d ms%n", deadlineMs);

            List<Future<HttpResponse<byte[]>>> inflight = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                inflight.add(clients.submit(() -> upload(api, "/v1/models/idc-demo/predict", slow)));
            }
            awaitAdmitted(management, 2); // uploaded, admitted, decoding
            Thread.sleep(50);

            long signalled = System.nanoTime();
            app.destroy(); // SIGTERM
            Thread.sleep(500);
            assertNotReady(management);

            for (Future<HttpResponse<byte[]>> f : inflight) {
                HttpResponse<byte[]> r = f.get(1, TimeUnit.MINUTES);
                long answeredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
                JsonNode q = ApiClient.assertProblem(r, 503, URI.create("urn:salience:problem:overloaded"));
                assertThat(q.get("reason").asText()).isEqualTo("shutting_down");
                System.out.printf("in-flight slow decode answered 503 shutting_down %d ms after SIGTERM%n", answeredMs);
                assertThat(answeredMs).isLessThan(GRACE_MS + 5000);
            }
            assertThat(app.waitFor(GRACE_MS + 10_000, TimeUnit.MILLISECONDS))
                    .as("exited within the grace period plus a few seconds")
                    .isTrue();
            long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
            String log = Files.readString(work.resolve("app.log"), StandardCharsets.UTF_8);
            System.out.printf(
                    "process exited %d ms after SIGTERM (grace %d ms), exit %d%n", exitMs, GRACE_MS, app.exitValue());
            log.lines()
                    .filter(l -> l.contains("shut") || l.contains("Shut") || l.contains("raceful"))
                    .forEach(l -> System.out.println("app: " + l));
            assertThat(app.exitValue()).as(tail(log)).isIn(0, 143);
            assertThat(exitMs).isLessThan(GRACE_MS + 8000);
        } finally {
            clients.shutdownNow();
            app.destroyForcibly();
        }
    }

    private static HttpResponse<byte[]> upload(ApiClient api, String path, byte[] jpeg) {
        return api.multipart(
                path, "application/json", List.of(new ApiClient.Part("image", "x.jpg", "image/jpeg", jpeg)));
    }

    private Process start(int port, int managementPort) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path argFile = work.resolve("classpath.args");
        Files.writeString(argFile, "-cp \"" + classpath.replace("\\", "\\\\") + "\"\n", StandardCharsets.UTF_8);
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + argFile,
                "-Xmx1g",
                SalienceApplication.class.getName(),
                "--server.port=" + port,
                "--management.server.port=" + managementPort,
                "--salience.models.dir=" + Path.of("models").toAbsolutePath(),
                "--salience.pool.max-in-flight=0",
                "--salience.pool.shutdown-timeout=" + GRACE_MS + "ms",
                "--salience.api.max-jpeg-scans=10000");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(work.resolve("app.log").toFile());
        return pb.start();
    }

    private void awaitReady(ApiClient api, Process app) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (!app.isAlive()) {
                fail("the application exited: " + tail(Files.readString(work.resolve("app.log"))));
            }
            try {
                if (api.get("/actuator/health/readiness").statusCode() == 200) {
                    return;
                }
            } catch (UncheckedIOException notYetListening) {
                // starting
            }
            Thread.sleep(200);
        }
        fail("not ready within 3 minutes: " + tail(Files.readString(work.resolve("app.log"))));
    }

    /** Waits until {@code n} model requests have been admitted (their bodies read). */
    private static void awaitAdmitted(ApiClient api, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline) {
            String metrics = ApiClient.text(api.get("/actuator/prometheus", "text/plain"));
            if (ApiClient.metricSum(metrics, "salience_requests_in_flight", "") >= n) {
                return;
            }
            Thread.sleep(20);
        }
        fail("the uploads were never admitted");
    }

    private static void assertNotReady(ApiClient api) {
        try {
            HttpResponse<byte[]> r = api.get("/actuator/health/readiness");
            assertThat(r.statusCode())
                    .as("readiness after SIGTERM: " + ApiClient.text(r))
                    .isEqualTo(503);
        } catch (UncheckedIOException refused) {
            // the listener is closed: also not ready
        }
    }

    private static String tail(String log) {
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }
}
