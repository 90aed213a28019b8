package io.salience.api;

import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.png;
import static io.salience.api.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.salience.api.ApiClient.Part;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every saliency response carries its reproducibility record, and the record reproduces the map. */
class ReproducibilityIntegrationTest extends DemoModelsContext {

    static final String SALIENCY = "/v1/models/idc-demo/saliency";
    static final String MODEL_SHA256 = ModelHashes.savedModel(TestModels.DEMO_SAVED_MODEL);

    @Test
    void theJsonBodyCarriesIdHashesAndParametersAndTheSameRequestGivesTheSameMap() {
        byte[] image = png(50, 50, 91);
        String q = "?method=smoothgrad&samples=6&noise=0.2&seed=12345";
        JsonNode a = explain(q, "application/json", image);
        JsonNode b = explain(q, "application/json", image);
        assertThat(a.path("modelSha256").asString()).isEqualTo(MODEL_SHA256);
        assertThat(a.path("imageSha256").asString()).isEqualTo(ModelHashes.sha256(image));
        assertThat(a.path("baselineSha256").isNull()).isTrue();
        assertThat(a.path("explanationId").asString()).matches("[0-9a-f-]{36}");
        assertThat(b.path("explanationId").asString())
                .isNotEqualTo(a.path("explanationId").asString());
        assertThat(a.path("parameters").path("seed").asString()).isEqualTo("12345");
        assertThat(a.path("parameters").path("samples").asString()).isEqualTo("6");
        assertThat(a.path("parameters")).isEqualTo(b.path("parameters"));
        assertThat(a.path("map")).isEqualTo(b.path("map"));

        // the seed matters: another one gives another map, so the equality above is no accident
        JsonNode c = explain(q.replace("12345", "54321"), "application/json", image);
        assertThat(c.path("map")).isNotEqualTo(a.path("map"));

        // the parameters echoed, sent back as they are, give the same map again
        StringBuilder again = new StringBuilder("?method=smoothgrad");
        a.path("parameters").properties().forEach(e -> {
            if (!e.getKey().equals("target")) {
                again.append('&')
                        .append(e.getKey())
                        .append('=')
                        .append(e.getValue().asString());
            }
        });
        assertThat(explain(again.toString(), "application/json", image).path("map"))
                .isEqualTo(a.path("map"));
    }

    @Test
    void pngAndNpyCarryTheRecordInHeadersAndRepeatByteForByte() {
        byte[] image = png(64, 48, 92);
        String q = "?method=smoothgrad&samples=4&seed=7";
        for (String accept : List.of("image/png", "application/x-npy")) {
            HttpResponse<byte[]> r1 = post(q, accept, image);
            HttpResponse<byte[]> r2 = post(q, accept, image);
            assertThat(r1.body()).isEqualTo(r2.body());
            assertThat(r1.headers().firstValue("X-Model-SHA256")).hasValue(MODEL_SHA256);
            assertThat(r1.headers().firstValue("X-Image-SHA256")).hasValue(ModelHashes.sha256(image));
            assertThat(r1.headers().firstValue("X-Explanation-Id")).isPresent();
            assertThat(r1.headers().firstValue("X-Explanation-Id"))
                    .isNotEqualTo(r2.headers().firstValue("X-Explanation-Id"));
            assertThat(r1.headers().firstValue("X-Saliency-Method")).hasValue("smoothgrad");
            Map<String, String> params =
                    form(r1.headers().firstValue("X-Saliency-Parameters").orElseThrow());
            assertThat(params)
                    .containsEntry("seed", "7")
                    .containsEntry("samples", "4")
                    .containsKey("noise");
            assertThat(params.get("target")).isIn("idc", "no-idc");
        }
        // and the JSON of the same request has the same parameters as the header
        JsonNode body = explain(q, "application/json", image);
        Map<String, String> header = form(post(q, "image/png", image)
                .headers()
                .firstValue("X-Saliency-Parameters")
                .orElseThrow());
        Map<String, String> fromBody = new LinkedHashMap<>();
        body.path("parameters")
                .properties()
                .forEach(e -> fromBody.put(e.getKey(), e.getValue().asString()));
        assertThat(header).isEqualTo(fromBody);
    }

    @Test
    void anUploadedBaselineIsHashedToo() {
        byte[] image = png(50, 50, 93);
        byte[] baseline = png(50, 50, 94);
        HttpResponse<byte[]> r = api.multipart(
                SALIENCY + "?method=integrated-gradients&steps=8",
                "application/json",
                List.of(Part.image("i.png", image), new Part("baselineImage", "b.png", "image/png", baseline)));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(json(r).path("baselineSha256").asString()).isEqualTo(ModelHashes.sha256(baseline));
        assertThat(r.headers().firstValue("X-Baseline-SHA256")).hasValue(ModelHashes.sha256(baseline));
    }

    private JsonNode explain(String query, String accept, byte[] image) {
        HttpResponse<byte[]> r = post(query, accept, image);
        return json(r);
    }

    private HttpResponse<byte[]> post(String query, String accept, byte[] image) {
        HttpResponse<byte[]> r = api.multipart(SALIENCY + query, accept, List.of(Part.image("x.png", image)));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return r;
    }

    private static Map<String, String> form(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : s.split("&")) {
            int eq = kv.indexOf('=');
            out.put(
                    URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }
}
