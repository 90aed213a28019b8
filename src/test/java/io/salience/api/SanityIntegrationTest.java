package io.salience.api;

import static io.salience.api.ApiClient.assertProblem;
import static io.salience.api.ApiClient.contentType;
import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.png;
import static io.salience.api.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.salience.api.ApiClient.Part;
import io.salience.engine.Outputs;
import io.salience.model.LoadedModel;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/models/{model}/sanity} over real HTTP: JSON, PNG, bad parameters, and an untouched served model. */
class SanityIntegrationTest extends DemoModelsContext {

    private static final String SANITY = "/v1/models/idc-demo/sanity";
    private static final URI INVALID = URI.create("urn:salience:problem:invalid-parameter");

    private HttpResponse<byte[]> sanity(String query, String accept) {
        return api.multipart(SANITY + query, accept, List.of(Part.image("x.png", png(50, 50, 7))));
    }

    @Test
    void jsonReportHasOneStepPerLayerWithWeightsTopDown() {
        HttpResponse<byte[]> r = sanity("?methods=gradient,grad-cam", "application/json");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(contentType(r)).startsWith("application/json");
        JsonNode body = json(r);
        assertThat(body.path("mode").asString()).isEqualTo("cascading");
        assertThat(body.path("seed").asLong()).isEqualTo(42);
        List<String> layers = new ArrayList<>();
        for (JsonNode s : body.path("steps")) {
            layers.add(s.path("layer").asString());
            assertThat(s.path("randomised").size()).isEqualTo(s.path("step").asInt());
            for (String m : List.of("gradient", "grad-cam")) {
                JsonNode sim = s.path("similarities").path(m);
                assertThat(sim.path("spearmanAbs").asDouble()).isBetween(-1.0, 1.0);
                assertThat(sim.has("spearman") && sim.has("ssim") && sim.has("hog"))
                        .isTrue();
            }
            for (JsonNode w : s.path("weights")) {
                assertThat(w.path("source").asString()).isEqualTo("keras-metadata");
            }
        }
        assertThat(layers)
                .containsExactly(
                        "logits",
                        "last_conv",
                        "conv3a_bn",
                        "conv3a",
                        "conv2b_bn",
                        "conv2b",
                        "conv2a_bn",
                        "conv2a",
                        "conv1_bn",
                        "conv1");
        assertThat(body.path("steps").get(0).path("weights").get(0).path("init").asString())
                .startsWith("GlorotUniform (fan_in=64, fan_out=2");
        assertThat(body.has("panel")).isFalse();
    }

    @Test
    void independentModeAndChosenLayers() {
        HttpResponse<byte[]> r =
                sanity("?methods=gradient&mode=independent&layers=conv1,logits&seed=7", "application/json");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode steps = json(r).path("steps");
        assertThat(steps.size()).isEqualTo(2);
        assertThat(steps.get(0).path("layer").asString()).isEqualTo("logits");
        assertThat(steps.get(1).path("randomised").size()).isEqualTo(1);
        assertThat(steps.get(1).path("randomised").get(0).asString()).isEqualTo("conv1");
        // same seed, same report
        HttpResponse<byte[]> again =
                sanity("?methods=gradient&mode=independent&layers=conv1,logits&seed=7", "application/json");
        assertThat(json(again).path("steps").toString()).isEqualTo(steps.toString());
    }

    @Test
    void perturbationMethodsTakePartThroughTheSameInterface() {
        HttpResponse<byte[]> r = sanity("?methods=occlusion,rise&layers=logits", "application/json");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode sims = json(r).path("steps").get(0).path("similarities");
        for (String m : List.of("occlusion", "rise")) {
            assertThat(sims.path(m).path("spearmanAbs").isNumber())
                    .as(m + " " + sims)
                    .isTrue();
            assertThat(sims.path(m).path("spearmanAbs").asDouble()).as(m).isLessThan(1.0);
        }
    }

    @Test
    void pngPanelHasARowPerStepAndAColumnPerMethod() {
        HttpResponse<byte[]> r = sanity("?methods=gradient,grad-cam,guided-backprop&layers=logits,conv1", "image/png");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(contentType(r)).isEqualTo("image/png");
        BufferedImage img = ApiClient.decode(r.body());
        // 50x50 input drawn at 2x: rows = trained + 2 steps, columns = input + 3 methods
        assertThat(img.getHeight()).isGreaterThan(3 * 100).isLessThan(3 * 100 + 3 * 20 + 40);
        assertThat(img.getWidth()).isGreaterThan(4 * 100).isLessThan(4 * 110 + 130);
    }

    @Test
    void asyncRunsAsAJobWithProgressAndTheSameReport() throws Exception {
        String query = "?methods=gradient,grad-cam&layers=logits,last_conv,conv1";
        HttpResponse<byte[]> sync = sanity(query, "application/json");
        assertThat(sync.statusCode()).as(text(sync)).isEqualTo(200);
        HttpResponse<byte[]> submitted = sanity(query + "&async=true", "application/json");
        assertThat(submitted.statusCode()).as(text(submitted)).isEqualTo(202);
        String location = submitted.headers().firstValue("Location").orElseThrow();
        assertThat(json(submitted).path("kind").asString()).isEqualTo("sanity");
        JsonNode job = json(submitted);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(4);
        while (!List.of("succeeded", "failed", "cancelled")
                        .contains(job.path("state").asString())
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
            job = json(api.get(location));
        }
        assertThat(job.path("state").asString()).as(job.toString()).isEqualTo("succeeded");
        // one unit per map: 2 methods x (1 trained + 3 steps)
        assertThat(job.path("progress").path("total").asLong()).isEqualTo(8);
        assertThat(job.path("progress").path("percent").asInt()).isEqualTo(100);
        assertThat(job.path("result").path("steps").toString())
                .isEqualTo(json(sync).path("steps").toString());
        // the PNG panel through a job
        HttpResponse<byte[]> pngJob = sanity(query + "&async=true", "image/png");
        assertThat(pngJob.statusCode()).as(text(pngJob)).isEqualTo(202);
        String pngLocation = pngJob.headers().firstValue("Location").orElseThrow();
        JsonNode pj = json(pngJob);
        while (!List.of("succeeded", "failed", "cancelled")
                        .contains(pj.path("state").asString())
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
            pj = json(api.get(pngLocation));
        }
        assertThat(pj.path("resultType").asString()).as(pj.toString()).isEqualTo("image/png");
        HttpResponse<byte[]> result = api.get(pj.path("resultUrl").asString(), null);
        assertThat(contentType(result)).isEqualTo("image/png");
        assertThat(ApiClient.decode(result.body()).getHeight()).isGreaterThan(4 * 100);
        assertProblem(sanity("?async=maybe", "application/json"), 400, INVALID);
    }

    @Test
    void badParametersAreProblems() {
        for (String q : List.of(
                "?mode=sideways",
                "?methods=nope",
                "?layers=nope",
                "?seed=-1",
                "?seed=x",
                "?colour=red",
                "?methods=gradient,gradient",
                "?methods=a,b,c,d,e,f,g,h,i",
                "?timeoutMs=0")) {
            JsonNode p = assertProblem(sanity(q, "application/json"), 400, INVALID);
            assertThat(p.path("detail").asString()).as(q).isNotBlank();
        }
        assertThat(json(sanity("?layers=nope", "application/json"))
                        .path("detail")
                        .asString())
                .contains("conv1", "logits");
        assertProblem(
                api.multipart(
                        "/v1/models/nope/sanity", "application/json", List.of(Part.image("x.png", png(50, 50, 7)))),
                404,
                URI.create("urn:salience:problem:unknown-model"));
    }

    @Test
    void servedPredictionsAreBitIdenticalBeforeDuringAndAfter() throws Exception {
        LoadedModel model = registry.ready("idc-demo");
        float[] input =
                model.descriptor().prepare(ApiClient.decode(png(50, 50, 3))).tensor();
        Outputs before = model.graph().predict(input, 1);
        byte[] image = png(50, 50, 3);
        String baseline = predict(image);
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<List<String>> during = pool.submit(() -> {
                List<String> seen = new ArrayList<>();
                while (running.get()) {
                    seen.add(predict(image));
                }
                return seen;
            });
            HttpResponse<byte[]> r = sanity("?methods=gradient,grad-cam,guided-backprop", "application/json");
            running.set(false);
            assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
            List<String> seen = during.get();
            assertThat(seen).isNotEmpty().allMatch(baseline::equals);
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
        assertThat(predict(image)).isEqualTo(baseline);
        Outputs after = model.graph().predict(input, 1);
        for (int k = 0; k < 2; k++) {
            assertThat(bits(after.get(k))).isEqualTo(bits(before.get(k)));
        }
    }

    private String predict(byte[] image) {
        HttpResponse<byte[]> r =
                api.multipart("/v1/models/idc-demo/predict", "application/json", List.of(Part.image("x.png", image)));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return json(r).path("predictions").get(0).path("classes").toString();
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }
}
