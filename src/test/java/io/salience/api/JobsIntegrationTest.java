package io.salience.api;

import static io.salience.api.ApiClient.assertProblem;
import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.png;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.salience.api.ApiClient.Part;
import io.salience.inference.InferencePool;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Async jobs over real HTTP: {@code async=true} on the saliency endpoint, polling, results, cancellation, errors. */
class JobsIntegrationTest extends DemoModelsContext {

    private static final String SALIENCY = "/v1/models/idc-demo/saliency";
    private static final String NPY = "application/x-npy";

    @Autowired
    InferencePool pool;

    @Autowired
    MeterRegistry meters;

    private final byte[] image = png(50, 50, 11);

    @Test
    void asyncResultsAreByteIdenticalToTheSynchronousOnesWithTheirHeaders() {
        for (String accept : new String[] {"image/png", null, NPY}) {
            String query = "?method=gradient&target=idc";
            HttpResponse<byte[]> sync = api.multipart(SALIENCY + query, accept, List.of(Part.image("x.png", image)));
            assertThat(sync.statusCode()).as(ApiClient.text(sync)).isEqualTo(200);
            HttpResponse<byte[]> submitted =
                    api.multipart(SALIENCY + query + "&async=true", accept, List.of(Part.image("x.png", image)));
            JsonNode job = awaitFinished(submitted);
            assertThat(job.path("state").asString()).as(job.toString()).isEqualTo("succeeded");
            assertThat(job.path("progress").path("percent").asInt()).isEqualTo(100);
            assertThat(job.path("resultType").asString()).isEqualTo(contentType(sync));
            assertThat(job.has("result")).as("only JSON results are inlined").isFalse();
            HttpResponse<byte[]> result = api.get(job.path("resultUrl").asString(), null);
            assertThat(result.statusCode()).isEqualTo(200);
            assertThat(contentType(result)).isEqualTo(contentType(sync));
            assertThat(result.body()).as("bytes for Accept %s", accept).isEqualTo(sync.body());
            // target, normalization, raw min and max, method, parameters
            assertThat(saliencyHeaders(result)).isEqualTo(saliencyHeaders(sync)).hasSize(6);
            // the reproducibility record: same hashes, an explanation id of its own
            assertThat(result.headers().firstValue("X-Model-SHA256"))
                    .isPresent()
                    .isEqualTo(sync.headers().firstValue("X-Model-SHA256"));
            assertThat(result.headers().firstValue("X-Image-SHA256"))
                    .isPresent()
                    .isEqualTo(sync.headers().firstValue("X-Image-SHA256"));
            assertThat(result.headers().firstValue("X-Explanation-Id"))
                    .isPresent()
                    .isNotEqualTo(sync.headers().firstValue("X-Explanation-Id"));
        }
    }

    @Test
    void asyncJsonEqualsTheSynchronousJsonExceptTimingsAndIdAndIsInlinedInTheJob() {
        String query = "?method=integrated-gradients&steps=16&target=no-idc";
        HttpResponse<byte[]> sync =
                api.multipart(SALIENCY + query, "application/json", List.of(Part.image("x.png", image)));
        assertThat(sync.statusCode()).isEqualTo(200);
        JsonNode job = awaitFinished(api.multipart(
                SALIENCY + query + "&async=true", "application/json", List.of(Part.image("x.png", image))));
        assertThat(job.path("state").asString()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("resultType").asString()).isEqualTo(contentType(sync));
        HttpResponse<byte[]> result = api.get(job.path("resultUrl").asString(), "application/json");
        JsonNode expected = withoutTimings(json(sync));
        assertThat(withoutTimings(json(result))).isEqualTo(expected);
        assertThat(withoutTimings(job.path("result"))).isEqualTo(expected);
        assertThat(json(result).path("timings").propertyNames())
                .containsExactlyElementsOf(json(sync).path("timings").propertyNames());
        assertThat(saliencyHeaders(result)).isEqualTo(saliencyHeaders(sync));
    }

    @Test
    void progressGoesFromZeroToOneHundredOnASlowMethod() throws Exception {
        HttpResponse<byte[]> submitted = api.multipart(
                SALIENCY + "?method=rise&masks=3000&async=true",
                "application/json",
                List.of(Part.image("x.png", image)));
        assertThat(submitted.statusCode()).as(ApiClient.text(submitted)).isEqualTo(202);
        String location = submitted.headers().firstValue("Location").orElseThrow();
        JsonNode first = json(submitted);
        assertThat(location).isEqualTo("/v1/jobs/" + first.path("id").asString());
        assertThat(UUID.fromString(first.path("id").asString())).isNotNull();
        assertThat(first.path("kind").asString()).isEqualTo("saliency");
        assertThat(first.path("progress").path("percent").asInt()).isZero();
        List<Integer> seen = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        JsonNode job = first;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!finished(job) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            job = json(api.get(location));
            seen.add(job.path("progress").path("percent").asInt());
            if (job.path("progress").has("step")) {
                steps.add(job.path("progress").path("step").asString());
            }
        }
        assertThat(job.path("state").asString()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("progress").path("percent").asInt()).isEqualTo(100);
        assertThat(job.path("progress").path("total").asLong()).isEqualTo(3000);
        assertThat(seen).as("percent never goes back").isSorted();
        assertThat(seen.stream().filter(p -> p > 0 && p < 100).distinct().count())
                .as("intermediate percentages seen: %s", seen)
                .isGreaterThanOrEqualTo(2);
        assertThat(steps).isNotEmpty();
        assertThat(job.path("result").path("method").asString()).isEqualTo("rise");
        assertThat(job.path("startedAt").asString()).isNotBlank();
        assertThat(job.path("finishedAt").asString()).isNotBlank();
        assertThat(job.path("expiresAt").asString()).isNotBlank();
    }

    @Test
    void deleteCancelsARunningJobItsQueuedPoolRowsAreDroppedAndInteractiveWorkIsServedPromptly() throws Exception {
        double cancelledBefore = cancelledCount();
        HttpResponse<byte[]> submitted = api.multipart(
                SALIENCY + "?method=rise&masks=20000&async=true", "image/png", List.of(Part.image("x.png", image)));
        assertThat(submitted.statusCode()).isEqualTo(202);
        String location = submitted.headers().firstValue("Location").orElseThrow();
        JsonNode job = poll(location, j -> j.path("progress").path("percent").asInt() > 0 || finished(j));
        assertThat(job.path("state").asString()).as("still running: %s", job).isEqualTo("running");

        HttpResponse<byte[]> deleted = api.delete(location);
        assertThat(deleted.statusCode()).isEqualTo(204);
        JsonNode cancelled = json(api.get(location));
        assertThat(cancelled.path("state").asString()).isEqualTo("cancelled");
        int percentAtCancel = cancelled.path("progress").path("percent").asInt();
        assertThat(percentAtCancel).isLessThan(100);
        assertProblem(api.get(location + "/result", null), 409, Problems.JOB_NOT_SUCCEEDED);

        long t0 = System.nanoTime();
        // the job thread may be between two pool calls when it is cancelled: its next call is then the one cancelled
        while ((pool.queueDepth() > 0 || pool.inflight() > 0 || cancelledCount() <= cancelledBefore)
                && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
            Thread.sleep(5);
        }
        long drainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(pool.queueDepth()).as("pool queue drained").isZero();
        assertThat(cancelledCount()).as("the job's queued rows were cancelled").isGreaterThan(cancelledBefore);

        long t1 = System.nanoTime();
        HttpResponse<byte[]> interactive =
                api.multipart(SALIENCY + "?method=gradient", "image/png", List.of(Part.image("x.png", image)));
        long interactiveMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
        assertThat(interactive.statusCode()).isEqualTo(200);
        assertThat(interactiveMs).as("interactive request after cancel (ms)").isLessThan(5_000);
        double acceptedAfter =
                meters.get("salience.requests.accepted").counter().count();
        Thread.sleep(500);
        assertThat(meters.get("salience.requests.accepted").counter().count())
                .as("the cancelled job submits no more pool work")
                .isEqualTo(acceptedAfter);
        JsonNode later = json(api.get(location));
        assertThat(later.path("state").asString()).isEqualTo("cancelled");
        System.out.printf(
                "jobs: cancel at %d%%, pool drained in %d ms, interactive request %d ms%n",
                percentAtCancel, drainMs, interactiveMs);

        // a second DELETE removes the finished (cancelled) job
        assertThat(api.delete(location).statusCode()).isEqualTo(204);
        assertProblem(api.get(location), 404, Problems.NOT_FOUND);
    }

    @Test
    void aFailedJobCarriesTheProblemTheSynchronousCallAnswers() {
        byte[] garbage = "not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<byte[]> sync =
                api.multipart(SALIENCY, "image/png", List.of(new Part("image", "x.png", "image/png", garbage)));
        JsonNode expected = json(sync);
        JsonNode job = awaitFinished(api.multipart(
                SALIENCY + "?async=true", "image/png", List.of(new Part("image", "x.png", "image/png", garbage))));
        assertThat(job.path("state").asString()).isEqualTo("failed");
        JsonNode error = job.path("error");
        assertThat(error.path("status").asInt()).isEqualTo(sync.statusCode());
        for (String field : new String[] {"type", "title", "detail", "instance"}) {
            assertThat(error.path(field).asString())
                    .as(field)
                    .isEqualTo(expected.path(field).asString());
        }
        assertThat(job.has("resultUrl")).isFalse();

        // a parameter only the method checks, at run time (the layer of a CAM method)
        String query = "?method=grad-cam&layer=no-such-layer";
        HttpResponse<byte[]> syncLayer =
                api.multipart(SALIENCY + query, "image/png", List.of(Part.image("x.png", image)));
        JsonNode failedLayer = awaitFinished(
                api.multipart(SALIENCY + query + "&async=true", "image/png", List.of(Part.image("x.png", image))));
        assertThat(failedLayer.path("state").asString()).isEqualTo("failed");
        assertThat(failedLayer.path("error").path("status").asInt()).isEqualTo(syncLayer.statusCode());
        assertThat(failedLayer.path("error").path("detail").asString())
                .isEqualTo(json(syncLayer).path("detail").asString());
        assertThat(failedLayer.path("error").path("parameter").asString())
                .isEqualTo(json(syncLayer).path("parameter").asString());
    }

    @Test
    void unknownJobsAnswer404AndABadAsyncValue400() {
        assertProblem(api.get("/v1/jobs/" + UUID.randomUUID()), 404, Problems.NOT_FOUND);
        assertProblem(api.get("/v1/jobs/" + UUID.randomUUID() + "/result", null), 404, Problems.NOT_FOUND);
        assertProblem(api.delete("/v1/jobs/not-a-uuid"), 404, Problems.NOT_FOUND);
        JsonNode p = assertProblem(
                api.multipart(SALIENCY + "?async=maybe", "image/png", List.of(Part.image("x.png", image))),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("parameter").asString()).isEqualTo("async");
        HttpResponse<byte[]> sync =
                api.multipart(SALIENCY + "?async=false", "image/png", List.of(Part.image("x.png", image)));
        assertThat(sync.statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ helpers

    private double cancelledCount() {
        return meters.get("salience.rejected")
                .tag("reason", "cancelled")
                .tag("phase", "admitted")
                .counter()
                .count();
    }

    private JsonNode awaitFinished(HttpResponse<byte[]> submitted) {
        assertThat(submitted.statusCode()).as(ApiClient.text(submitted)).isEqualTo(202);
        assertThat(contentType(submitted)).startsWith("application/json");
        return poll(submitted.headers().firstValue("Location").orElseThrow(), JobsIntegrationTest::finished);
    }

    private JsonNode poll(String location, Predicate<JsonNode> until) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (true) {
            HttpResponse<byte[]> r = api.get(location);
            assertThat(r.statusCode()).as(ApiClient.text(r)).isEqualTo(200);
            JsonNode job = json(r);
            if (until.test(job) || System.nanoTime() > deadline) {
                return job;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static boolean finished(JsonNode job) {
        String state = job.path("state").asString();
        return state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
    }

    private static String contentType(HttpResponse<byte[]> r) {
        return ApiClient.contentType(r);
    }

    private static Map<String, List<String>> saliencyHeaders(HttpResponse<byte[]> r) {
        Map<String, List<String>> h = new TreeMap<>();
        r.headers().map().forEach((k, v) -> {
            if (k.toLowerCase(java.util.Locale.ROOT).startsWith("x-saliency-")) {
                h.put(k.toLowerCase(java.util.Locale.ROOT), v);
            }
        });
        return h;
    }

    private static JsonNode withoutTimings(JsonNode n) {
        ObjectNode copy = (ObjectNode) n.deepCopy();
        copy.remove("timings");
        // each explanation has its own id
        assertThat(copy.path("explanationId").asString()).isNotBlank();
        copy.remove("explanationId");
        return copy;
    }
}
