package io.salience.api;

import static io.salience.api.ApiClient.assertProblem;
import static io.salience.api.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * {@code methods=a,b,c} over real HTTP: one JSON document with one map per method, each equal to that method's own
 * response, the gradient and CAM methods from one session run; its errors; and the same as a job.
 */
class MultiMethodIntegrationTest extends DemoModelsContext {

    private static final String PATH = "/v1/models/idc-demo/saliency";

    @Autowired
    MeterRegistry meters;

    private final List<ApiClient.Part> image = List.of(ApiClient.Part.image("p.png", ApiClient.png(50, 50, 11)));

    @Test
    void threeMapsComeFromOneSessionRunAndEqualTheirOwnResponses() {
        long before = sessionRuns();
        HttpResponse<byte[]> r =
                api.multipart(PATH + "?methods=gradient,guided-backprop,grad-cam", "application/json", image);
        long runs = sessionRuns() - before;
        assertThat(r.statusCode()).as(ApiClient.text(r)).isEqualTo(200);
        JsonNode all = json(r);
        assertThat(runs).as("session runs for three maps").isEqualTo(1);
        assertThat(all.path("methods").toString()).isEqualTo("[\"gradient\",\"guided-backprop\",\"grad-cam\"]");
        assertThat(all.path("maps")).hasSize(3);
        assertThat(all.path("imageSha256").asString()).hasSize(64);
        assertThat(all.path("timings").has("shared")).isTrue();
        int i = 0;
        for (String method : List.of("gradient", "guided-backprop", "grad-cam")) {
            JsonNode one = json(api.multipart(PATH + "?method=" + method, "application/json", image));
            JsonNode map = all.path("maps").get(i++);
            assertThat(map.path("method").asString()).isEqualTo(method);
            assertThat(map.path("map")).as(method).isEqualTo(one.path("map"));
            assertThat(map.path("target")).as(method).isEqualTo(one.path("target"));
            assertThat(map.path("parameters")).as(method).isEqualTo(one.path("parameters"));
            assertThat(map.path("explanationId").asString())
                    .isNotEqualTo(one.path("explanationId").asString());
        }
        assertThat(all.path("target")).isEqualTo(all.path("maps").get(0).path("target"));
    }

    @Test
    void eachMethodTakesItsOwnParametersAndTheRestRunOnTheirOwn() {
        HttpResponse<byte[]> r = api.multipart(
                PATH + "?methods=integrated-gradients,gradient-x-input,layer-cam&steps=8&target=idc",
                "application/json",
                image);
        assertThat(r.statusCode()).as(ApiClient.text(r)).isEqualTo(200);
        JsonNode all = json(r);
        JsonNode ig = all.path("maps").get(0);
        assertThat(ig.path("parameters").path("steps").asString()).isEqualTo("8");
        assertThat(all.path("maps").get(1).path("parameters").has("steps")).isFalse();
        assertThat(all.path("target").path("label").asString()).isEqualTo("idc");
        JsonNode one = json(
                api.multipart(PATH + "?method=integrated-gradients&steps=8&target=idc", "application/json", image));
        assertThat(ig.path("map")).isEqualTo(one.path("map"));
        assertThat(ig.path("extras")).isEqualTo(one.path("extras"));
    }

    @Test
    void badRequestsAreProblems() {
        assertProblem(
                api.multipart(PATH + "?methods=gradient,grad-cam", "image/png", image), 406, Problems.NOT_ACCEPTABLE);
        JsonNode p = assertProblem(
                api.multipart(PATH + "?methods=gradient,grad-cam&steps=3", "application/json", image),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("detail").asString()).contains("none of [gradient, grad-cam] takes it");
        assertProblem(
                api.multipart(PATH + "?methods=gradient&method=grad-cam", "application/json", image),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(assertProblem(
                                api.multipart(PATH + "?methods=gradient,gradient", "application/json", image),
                                400,
                                Problems.INVALID_PARAMETER)
                        .path("detail")
                        .asString())
                .contains("twice");
        assertProblem(
                api.multipart(PATH + "?methods=gradient,,grad-cam", "application/json", image),
                400,
                Problems.INVALID_PARAMETER);
        assertProblem(
                api.multipart(PATH + "?methods=gradient,nope", "application/json", image),
                400,
                Problems.INVALID_PARAMETER);
        assertProblem(
                api.multipart(PATH + "?methods=gradient,deconvnet&layer=conv1", "application/json", image),
                400,
                Problems.INVALID_PARAMETER);
        // the row cap counts every method: 1 (target) + 4,000 masks + 96 samples > 4,096
        JsonNode work = assertProblem(
                api.multipart(PATH + "?methods=rise,lime&masks=4000&samples=96", "application/json", image),
                422,
                Problems.TOO_MUCH_WORK);
        assertThat(work.path("rows").asLong()).isEqualTo(4097);
    }

    @Test
    void severalMethodsRunAsAJob() throws Exception {
        String query = "?methods=grad-cam,guided-grad-cam";
        JsonNode sync = json(api.multipart(PATH + query, "application/json", image));
        HttpResponse<byte[]> submitted = api.multipart(PATH + query + "&async=true", "application/json", image);
        assertThat(submitted.statusCode()).as(ApiClient.text(submitted)).isEqualTo(202);
        String location = submitted.headers().firstValue("Location").orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        JsonNode job;
        do {
            Thread.sleep(10);
            job = json(api.get(location));
        } while (!job.path("state").asString().equals("succeeded") && System.nanoTime() < deadline);
        assertThat(job.path("state").asString()).as(job.toString()).isEqualTo("succeeded");
        HttpResponse<byte[]> result = api.get(location + "/result", "application/json");
        assertThat(result.statusCode()).as(ApiClient.text(result)).isEqualTo(200);
        JsonNode async = json(result);
        for (int i = 0; i < 2; i++) {
            assertThat(async.path("maps").get(i).path("map"))
                    .isEqualTo(sync.path("maps").get(i).path("map"));
        }
    }

    private long sessionRuns() {
        return meters.find("salience.compute").timers().stream()
                .mapToLong(Timer::count)
                .sum();
    }
}
