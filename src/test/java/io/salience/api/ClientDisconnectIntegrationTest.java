package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.salience.inference.InferencePool;
import io.salience.model.ModelRegistry;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A client that hangs up while its request waits in the inference queue gets its queued work cancelled: over real
 * HTTP, a one-worker pool is kept busy with slow integrated-gradients requests, a Grad-CAM request is sent on a raw
 * socket which is then closed, and the Grad-CAM graph must never run while the pool counts one cancellation.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.pool.concurrency=1", "salience.pool.max-in-flight=0"})
class ClientDisconnectIntegrationTest {

    private static final String SLOW = "/v1/models/idc-demo/saliency?method=integrated-gradients&steps=1024";

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry models;

    @Autowired
    InferencePool pool;

    @Autowired
    MeterRegistry meters;

    @Test
    void queuedWorkOfAClientThatHangsUpIsCancelled() throws Exception {
        assertThat(models.awaitLoaded(Duration.ofMinutes(2))).isTrue();
        ApiClient api = new ApiClient(port);
        double cancelledBefore = cancelled();
        long camRunsBefore = runs("layer-gradient");
        long gradientRunsBefore = runs("input-gradient");
        ExecutorService clients = Executors.newFixedThreadPool(3);
        try {
            List<Future<HttpResponse<byte[]>>> busy = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byte[] png = ApiClient.png(50, 50, i);
                busy.add(clients.submit(
                        () -> api.multipart(SLOW, "application/json", List.of(ApiClient.Part.image("busy.png", png)))));
            }
            // all three integrated-gradients jobs queued (the first one running): what comes next waits behind them
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((runs("input-gradient") == gradientRunsBefore || pool.queueDepth() < 3)
                    && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertThat(pool.queueDepth())
                    .as("the worker is busy and requests wait")
                    .isGreaterThanOrEqualTo(3);

            try (Socket socket = new Socket("localhost", port)) {
                OutputStream out = socket.getOutputStream();
                out.write(gradCamRequest(ApiClient.png(50, 50, 7)));
                out.flush();
                Thread.sleep(150); // parsed and queued behind the busy work
            } // hang up

            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cancelled() == cancelledBefore && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(cancelled() - cancelledBefore).as("cancelled requests").isEqualTo(1.0);
            for (Future<HttpResponse<byte[]>> f : busy) {
                assertThat(f.get(2, TimeUnit.MINUTES).statusCode()).isEqualTo(200);
            }
            assertThat(runs("layer-gradient")).as("Grad-CAM session runs").isEqualTo(camRunsBefore);
        } finally {
            clients.shutdownNow();
        }
    }

    private double cancelled() {
        return meters.get("salience.rejected")
                .tag("reason", "cancelled")
                .tag("phase", "admitted")
                .counter()
                .count();
    }

    /** Session runs of the compiled graphs whose id starts with {@code graph}. */
    private long runs(String graph) {
        return meters.find("salience.compute").timers().stream()
                .filter(t -> t.getId().getTag("method").startsWith(graph))
                .mapToLong(Timer::count)
                .sum();
    }

    private static byte[] gradCamRequest(byte[] png) {
        String boundary = "----salience-disconnect";
        byte[] body = ApiClient.multipartBody(boundary, List.of(ApiClient.Part.image("p.png", png)));
        String head = "POST /v1/models/idc-demo/saliency?method=grad-cam HTTP/1.1\r\nHost: localhost\r\n"
                + "Accept: image/png\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        all.writeBytes(body);
        return all.toByteArray();
    }
}
