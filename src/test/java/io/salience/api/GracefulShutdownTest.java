package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.salience.SalienceApplication;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
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

/**
 * SIGTERM end to end: the real application in its own JVM gets SIGTERM while six slow requests are inside the
 * inference pool. Every one of them must finish with 200 and a full map; requests sent after the signal must not be
 * served (connection refused, or 503); the process must exit once the work is done.
 */
class GracefulShutdownTest {

    private static final int IN_FLIGHT = 6;
    private static final String SLOW = "/v1/models/idc-demo/saliency?method=integrated-gradients&steps=1024";

    @TempDir
    Path work;

    @Test
    void sigtermLetsAdmittedRequestsFinishAndServesNoNewOnes() throws Exception {
        int port;
        int managementPort;
        try (ServerSocket s = new ServerSocket(0);
                ServerSocket m = new ServerSocket(0)) {
            port = s.getLocalPort();
            managementPort = m.getLocalPort();
        }
        Process app = start(port, managementPort);
        ExecutorService clients = Executors.newFixedThreadPool(IN_FLIGHT);
        try {
            ApiClient api = new ApiClient(port);
            ApiClient management = new ApiClient(managementPort);
            awaitReady(management, app);
            List<Future<HttpResponse<byte[]>>> inflight = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                byte[] png = ApiClient.png(50, 50, i);
                inflight.add(clients.submit(() ->
                        api.multipart(SLOW, "application/json", List.of(ApiClient.Part.image("p" + ".png", png)))));
            }
            awaitInPool(management, IN_FLIGHT);

            long signalled = System.nanoTime();
            app.destroy(); // SIGTERM
            Thread.sleep(500);
            assertNotServed(() -> management.get("/actuator/health/readiness"));
            assertNotServed(() -> api.multipart(
                    "/v1/models/idc-demo/predict",
                    "application/json",
                    List.of(ApiClient.Part.image("late.png", ApiClient.png(50, 50, 99)))));

            for (Future<HttpResponse<byte[]>> f : inflight) {
                HttpResponse<byte[]> r = f.get(2, TimeUnit.MINUTES);
                assertThat(r.statusCode()).as(ApiClient.text(r)).isEqualTo(200);
                assertThat(ApiClient.json(r).get("map").size()).isEqualTo(50 * 50);
            }
            assertThat(app.waitFor(2, TimeUnit.MINUTES)).as("exited").isTrue();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
            String log = Files.readString(work.resolve("app.log"), StandardCharsets.UTF_8);
            assertThat(app.exitValue()).as(tail(log)).isIn(0, 143);
            assertThat(log).contains("Commencing graceful shutdown").contains("Graceful shutdown complete");
            System.out.printf(
                    "graceful shutdown: %d admitted requests finished with 200, exit %d ms after SIGTERM%n",
                    IN_FLIGHT, ms);
        } finally {
            clients.shutdownNow();
            app.destroyForcibly();
        }
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
                "--salience.pool.max-in-flight=0");
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

    /** Waits until {@code n} pool jobs are admitted and not finished (each request has at least one). */
    private static void awaitInPool(ApiClient api, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline) {
            String metrics = ApiClient.text(api.get("/actuator/prometheus", "text/plain"));
            double open = ApiClient.metricSum(metrics, "salience_requests_accepted_total", "")
                    - ApiClient.metricSum(metrics, "salience_requests_completed_total", "")
                    - ApiClient.metricSum(metrics, "salience_requests_failed_total", "");
            if (open >= n) {
                return;
            }
            Thread.sleep(20);
        }
        fail("the requests never reached the pool");
    }

    private static void assertNotServed(java.util.function.Supplier<HttpResponse<byte[]>> request) {
        try {
            HttpResponse<byte[]> r = request.get();
            assertThat(r.statusCode()).as("after SIGTERM: " + ApiClient.text(r)).isEqualTo(503);
        } catch (UncheckedIOException refused) {
            // the listener is closed: refused, as intended
        }
    }

    private static String tail(String log) {
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }
}
