package io.salience.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.salience.imaging.ImageDecoder;
import io.salience.imaging.NpyReader;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The Open Inference Protocol (v2) and KServe v1 routes over real HTTP against the committed demo model, checked
 * against the native routes: the same image gives the same probabilities and the same saliency map whichever route
 * and tensor encoding carries it.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"salience.models.dir=models", "salience.api.max-images=4"})
class ProtocolIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INFER = "/v2/models/idc-demo/infer";

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry registry;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void awaitModels() {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();
    }

    // ------------------------------------------------------------------ v2 health and metadata

    @Test
    void healthAndMetadata() {
        assertThat(get("/v2/health/live").statusCode()).isEqualTo(200);
        assertThat(json(get("/v2/health/live")).path("live").asBoolean()).isTrue();
        assertThat(get("/v2/health/ready").statusCode()).isEqualTo(200);
        assertThat(json(get("/v2/health/ready")).path("ready").asBoolean()).isTrue();
        assertThat(json(get("/")).path("status").asString()).isEqualTo("alive");
        JsonNode server = json(get("/v2"));
        assertThat(server.path("extensions").toString()).contains("binary_tensor_data");

        JsonNode meta = json(get("/v2/models/idc-demo"));
        assertThat(meta.path("name").asString()).isEqualTo("idc-demo");
        assertThat(meta.path("versions").get(0).asString()).isEqualTo("1.0.0");
        assertThat(meta.path("inputs").get(0).path("name").asString()).isEqualTo("input");
        assertThat(meta.path("inputs").get(0).path("datatype").asString()).isEqualTo("FP32");
        assertThat(meta.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,50,50,3]");
        assertThat(meta.path("outputs").get(0).path("shape").toString()).isEqualTo("[-1,2]");
        assertThat(get("/v2/models/idc-demo/versions/1.0.0").statusCode()).isEqualTo(200);

        assertThat(get("/v2/models/idc-demo/ready").statusCode()).isEqualTo(200);
        assertThat(get("/v2/models/idc-demo/versions/1.0.0/ready").statusCode()).isEqualTo(200);
        assertThat(get("/v2/models/idc-demo/versions/9/ready").statusCode()).isEqualTo(400);
        assertError(get("/v2/models/nope/ready"), 404, "nope");
        assertError(get("/v2/models/nope"), 404, "nope");
        assertError(get("/v2/models/idc-demo/versions/9"), 404, "version");
        assertError(get("/v2/no/such/route"), 404, "no route");
    }

    // ------------------------------------------------------------------ v2 infer

    @Test
    void inferAgreesWithTheNativeRouteInEveryEncoding() {
        byte[] png = png(50, 50, 7);
        float[] expected = nativeProbabilities(png);
        LoadedModel model = registry.ready("idc-demo");
        float[] tensor =
                model.descriptor().tensor(new ImageDecoder().decode(png).image());

        Map<String, Object> fp32 = tensorJson("FP32", List.of(1, 50, 50, 3), tensor);
        assertProbabilities(infer(request(fp32, null)), expected);

        Map<String, Object> bytes =
                tensorJson("BYTES", List.of(1), List.of(Base64.getEncoder().encodeToString(png)));
        assertProbabilities(infer(request(bytes, null)), expected);

        Map<String, Object> uint8 = tensorJson("UINT8", List.of(1, 50, 50, 3), pixels(png));
        assertProbabilities(infer(request(uint8, null)), expected);

        // raw pixels of another size are resized by the descriptor as an uploaded file is
        byte[] big = png(80, 60, 8);
        Map<String, Object> uint8Big = tensorJson("UINT8", List.of(1, 60, 80, 3), pixels(big));
        assertProbabilities(infer(request(uint8Big, null)), nativeProbabilities(big));
    }

    @Test
    void binaryTensorDataExtension() {
        byte[] a = png(50, 50, 11);
        byte[] b = png(64, 48, 12);
        float[] pa = nativeProbabilities(a);
        float[] pb = nativeProbabilities(b);
        LoadedModel model = registry.ready("idc-demo");
        ImageDecoder decoder = new ImageDecoder();
        float[] ta = model.descriptor().tensor(decoder.decode(a).image());
        float[] tb = model.descriptor().tensor(decoder.decode(b).image());
        ByteBuffer data = ByteBuffer.allocate((ta.length + tb.length) * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(ta).put(tb);

        Map<String, Object> input = new LinkedHashMap<>();
        input.put("name", "input");
        input.put("datatype", "FP32");
        input.put("shape", List.of(2, 50, 50, 3));
        input.put("parameters", Map.of("binary_data_size", data.capacity()));
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("inputs", List.of(input));
        req.put("outputs", List.of(Map.of("name", "probabilities", "parameters", Map.of("binary_data", true))));
        HttpResponse<byte[]> r = postBinary(INFER, JSON.writeValueAsBytes(req), data.array());
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        int headerLength = Integer.parseInt(
                r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode header = JSON.readTree(new String(r.body(), 0, headerLength, StandardCharsets.UTF_8));
        JsonNode out = header.path("outputs").get(0);
        assertThat(header.path("outputs").size()).isEqualTo(1);
        assertThat(out.path("name").asString()).isEqualTo("probabilities");
        assertThat(out.path("shape").toString()).isEqualTo("[2,2]");
        assertThat(out.path("parameters").path("binary_data_size").asInt()).isEqualTo(16);
        assertThat(out.has("data")).isFalse();
        ByteBuffer probs = ByteBuffer.wrap(r.body(), headerLength, 16).order(ByteOrder.LITTLE_ENDIAN);
        float[] got = new float[4];
        probs.asFloatBuffer().get(got);
        assertThat(got[0]).isCloseTo(pa[0], close(pa[0]));
        assertThat(got[1]).isCloseTo(pa[1], close(pa[1]));
        assertThat(got[2]).isCloseTo(pb[0], close(pb[0]));
        assertThat(got[3]).isCloseTo(pb[1], close(pb[1]));

        // BYTES as binary data: each element prefixed by its little-endian length
        ByteBuffer files = ByteBuffer.allocate(8 + a.length + b.length).order(ByteOrder.LITTLE_ENDIAN);
        files.putInt(a.length).put(a).putInt(b.length).put(b);
        Map<String, Object> bytesInput = new LinkedHashMap<>();
        bytesInput.put("name", "input");
        bytesInput.put("datatype", "BYTES");
        bytesInput.put("shape", List.of(2));
        bytesInput.put("parameters", Map.of("binary_data_size", files.capacity()));
        HttpResponse<byte[]> r2 =
                postBinary(INFER, JSON.writeValueAsBytes(Map.of("inputs", List.of(bytesInput))), files.array());
        JsonNode json2 = json(r2);
        float[] all = floats(output(json2, "probabilities").path("data"));
        assertThat(all[1]).isCloseTo(pa[1], close(pa[1]));
        assertThat(all[3]).isCloseTo(pb[1], close(pb[1]));
    }

    @Test
    void explanationThroughInferParametersEqualsTheNativeMap() throws Exception {
        byte[] png = png(50, 50, 21);
        for (String method : List.of("grad-cam", "integrated-gradients")) {
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("method", method);
            params.put("target", "idc");
            String query = "method=" + method + "&target=idc";
            if (method.equals("integrated-gradients")) {
                params.put("steps", 8);
                query += "&steps=8";
            }
            Map<String, Object> bytes =
                    tensorJson("BYTES", List.of(1), List.of(Base64.getEncoder().encodeToString(png)));
            JsonNode r = infer(request(bytes, params));
            JsonNode saliency = output(r, "saliency");
            var npy = NpyReader.read(nativeSaliency(png, query, "application/x-npy"));
            assertThat(saliency.path("shape").toString())
                    .isEqualTo("[1," + npy.shape()[0] + "," + npy.shape()[1] + "," + npy.shape()[2] + "]");
            float[] got = floats(saliency.path("data"));
            float[] want = npy.toFloatArray();
            assertThat(got).hasSameSizeAs(want);
            for (int i = 0; i < want.length; i++) {
                assertThat(got[i]).isCloseTo(want[i], within(1e-5f + 1e-4f * Math.abs(want[i])));
            }
            JsonNode nat = JSON.readTree(nativeSaliency(png, query, "application/json"));
            float[] norm = floats(output(r, "saliency_normalized").path("data"));
            float[] nativeNorm = floats(nat.path("map"));
            assertThat(norm).hasSameSizeAs(nativeNorm);
            for (int i = 0; i < norm.length; i++) {
                assertThat(norm[i]).isCloseTo(nativeNorm[i], within(1e-5f));
            }
            assertThat(output(r, "target").path("data").get(0).asInt()).isEqualTo(1);
            assertThat(r.path("parameters").path("method").asString()).isEqualTo(method);
            assertThat(r.path("parameters").path("targets").asString()).isEqualTo("idc");
        }
    }

    @Test
    void v2ErrorsAreInTheProtocolShape() {
        byte[] png = png(50, 50, 3);
        String b64 = Base64.getEncoder().encodeToString(png);
        assertError(
                post("/v2/models/nope/infer", request(tensorJson("BYTES", List.of(1), List.of(b64)), null)),
                404,
                "nope");
        assertError(post(INFER, "{not json".getBytes(StandardCharsets.UTF_8)), 400, "JSON");
        Map<String, Object> wrongName = tensorJson("BYTES", List.of(1), List.of(b64));
        wrongName.put("name", "image");
        assertError(post(INFER, request(wrongName, null)), 400, "'input'");
        assertError(
                post(INFER, request(tensorJson("FP32", List.of(1, 10, 10, 3), new float[300]), null)),
                400,
                "[N, 50, 50, 3]");
        assertError(
                post(INFER, request(tensorJson("FP32", List.of(1, 50, 50, 3), new float[100]), null)), 400, "elements");
        assertError(
                post(
                        INFER,
                        request(
                                tensorJson("FP32", List.of(1, 50, 50, 3), new float[7500]),
                                Map.of("method", "grad-cam"))),
                400,
                "needs images");
        assertError(
                post(INFER, request(tensorJson("BYTES", List.of(1), List.of(b64)), Map.of("method", "nope"))),
                400,
                "method must be one of");
        assertError(
                post(INFER, request(tensorJson("BYTES", List.of(1), List.of(b64)), Map.of("colour", "red"))),
                400,
                "colour");
        assertError(
                post(INFER, request(tensorJson("BYTES", List.of(5), List.of(b64, b64, b64, b64, b64)), null)),
                400,
                "max-images");
        assertError(post(INFER, request(tensorJson("BYTES", List.of(1), List.of("bm90IGFuIGltYWdl")), null)), 415, "");
        HttpResponse<byte[]> wrongMethod = get(INFER);
        assertThat(wrongMethod.statusCode()).isEqualTo(404);
        assertThat(contentType(wrongMethod)).startsWith("application/json");
    }

    // ------------------------------------------------------------------ KServe v1

    @Test
    void v1PredictAgreesWithTheNativeRoute() {
        byte[] a = png(50, 50, 31);
        byte[] b = png(70, 40, 32);
        LoadedModel model = registry.ready("idc-demo");
        float[] tb = model.descriptor().tensor(new ImageDecoder().decode(b).image());
        List<Object> nested = new ArrayList<>();
        for (int y = 0; y < 50; y++) {
            List<Object> row = new ArrayList<>();
            for (int x = 0; x < 50; x++) {
                int i = (y * 50 + x) * 3;
                row.add(List.of(tb[i], tb[i + 1], tb[i + 2]));
            }
            nested.add(row);
        }
        Map<String, Object> body =
                Map.of("instances", List.of(Map.of("b64", Base64.getEncoder().encodeToString(a)), nested));
        HttpResponse<byte[]> r = post("/v1/models/idc-demo:predict", JSON.writeValueAsBytes(body));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode preds = json(r).path("predictions");
        assertThat(preds.size()).isEqualTo(2);
        float[] pa = nativeProbabilities(a);
        float[] pb = nativeProbabilities(b);
        assertThat(preds.get(0).get(1).floatValue()).isCloseTo(pa[1], close(pa[1]));
        assertThat(preds.get(1).get(1).floatValue()).isCloseTo(pb[1], close(pb[1]));

        // the native routes beside them are unchanged
        HttpResponse<byte[]> detail = get("/v1/models/idc-demo");
        assertThat(detail.statusCode()).isEqualTo(200);
        assertThat(json(detail).path("signature").asString()).isEqualTo("serving_default");
        assertThat(contentType(get("/v1/models/nope"))).startsWith("application/problem+json");
    }

    @Test
    void v1ExplainAndErrors() throws Exception {
        byte[] png = png(50, 50, 41);
        Map<String, Object> body = Map.of(
                "instances", List.of(Map.of("b64", Base64.getEncoder().encodeToString(png))),
                "parameters", Map.of("method", "grad-cam++"));
        HttpResponse<byte[]> r = post("/v1/models/idc-demo:explain", JSON.writeValueAsBytes(body));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode e = json(r).path("explanations").get(0);
        assertThat(e.path("method").asString()).isEqualTo("grad-cam++");
        assertThat(e.path("layer").asString()).isNotBlank();
        var npy = NpyReader.read(nativeSaliency(png, "method=grad-cam%2B%2B", "application/x-npy"));
        assertThat(e.path("shape").toString())
                .isEqualTo("[" + npy.shape()[0] + "," + npy.shape()[1] + "," + npy.shape()[2] + "]");
        float[] got = floats(e.path("saliency"));
        float[] want = npy.toFloatArray();
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).isCloseTo(want[i], within(1e-5f + 1e-4f * Math.abs(want[i])));
        }
        assertThat(e.path("normalized").size()).isEqualTo(npy.shape()[0]);

        assertError(post("/v1/models/nope:predict", JSON.writeValueAsBytes(body)), 404, "nope");
        assertError(post("/v1/models/idc-demo:predict", "{}".getBytes(StandardCharsets.UTF_8)), 400, "instances");
        assertError(
                post("/v1/models/idc-demo:predict", JSON.writeValueAsBytes(Map.of("instances", List.of(List.of(1))))),
                400,
                "[50, 50, 3]");
        assertError(
                post(
                        "/v1/models/idc-demo:explain",
                        JSON.writeValueAsBytes(Map.of("instances", List.of(Map.of("b64", "!!"))))),
                400,
                "base64");
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, Object> tensorJson(String datatype, List<Integer> shape, Object data) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("name", "input");
        t.put("datatype", datatype);
        t.put("shape", shape);
        t.put("data", data);
        return t;
    }

    private static byte[] request(Map<String, Object> input, Map<String, Object> parameters) {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("id", "req-1");
        if (parameters != null) {
            req.put("parameters", parameters);
        }
        req.put("inputs", List.of(input));
        return JSON.writeValueAsBytes(req);
    }

    private JsonNode infer(byte[] body) {
        HttpResponse<byte[]> r = post(INFER, body);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(contentType(r)).startsWith("application/json");
        JsonNode json = json(r);
        assertThat(json.path("model_name").asString()).isEqualTo("idc-demo");
        assertThat(json.path("id").asString()).isEqualTo("req-1");
        return json;
    }

    private static void assertProbabilities(JsonNode response, float[] expected) {
        JsonNode p = output(response, "probabilities");
        assertThat(p.path("datatype").asString()).isEqualTo("FP32");
        assertThat(p.path("shape").toString()).isEqualTo("[1,2]");
        float[] got = floats(p.path("data"));
        assertThat(got[0]).isCloseTo(expected[0], close(expected[0]));
        assertThat(got[1]).isCloseTo(expected[1], close(expected[1]));
        float[] logits = floats(output(response, "logits").path("data"));
        // softmax of the logits is the probabilities
        double e0 = Math.exp(logits[0]);
        double e1 = Math.exp(logits[1]);
        assertThat(e1 / (e0 + e1)).isCloseTo(expected[1], within(1e-4));
    }

    /** The tolerance for a probability: relative, since a saturated probability (1e-8) moves little in absolute. */
    private static Offset<Float> close(float expected) {
        return within(Float.MIN_NORMAL + 1e-4f * Math.abs(expected));
    }

    private static JsonNode output(JsonNode response, String name) {
        for (JsonNode o : response.path("outputs")) {
            if (o.path("name").asString().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no output " + name + " in " + response);
    }

    private static void assertError(HttpResponse<byte[]> r, int status, String contains) {
        String body = text(r);
        assertThat(r.statusCode()).as(body).isEqualTo(status);
        assertThat(contentType(r)).as(body).startsWith("application/json");
        JsonNode json = JSON.readTree(body);
        assertThat(json.path("error").asString()).as(body).contains(contains).isNotBlank();
        assertThat(json.has("type")).as(body).isFalse();
        assertThat(body).doesNotContain("Exception", ".java", "/work/", "/tmp/");
    }

    private float[] nativeProbabilities(byte[] png) {
        String boundary = "----protocol-test-" + UUID.randomUUID();
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/v1/models/idc-demo/predict"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, png)))
                .build());
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        float[] p = new float[2];
        for (JsonNode c : json(r).path("predictions").get(0).path("classes")) {
            p[c.path("index").asInt()] = c.path("probability").floatValue();
        }
        return p;
    }

    private byte[] nativeSaliency(byte[] png, String query, String accept) {
        String boundary = "----protocol-test-" + UUID.randomUUID();
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/v1/models/idc-demo/saliency?" + query))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, png)))
                .build());
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return r.body();
    }

    private static byte[] multipart(String boundary, byte[] png) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\""
                        + "\r\nContent-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(png);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private HttpResponse<byte[]> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    private HttpResponse<byte[]> post(String path, byte[] body) {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());
    }

    private HttpResponse<byte[]> postBinary(String path, byte[] header, byte[] data) {
        byte[] body = new byte[header.length + data.length];
        System.arraycopy(header, 0, body, 0, header.length);
        System.arraycopy(data, 0, body, header.length, data.length);
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(header.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static JsonNode json(HttpResponse<byte[]> r) {
        return JSON.readTree(r.body());
    }

    private static String contentType(HttpResponse<byte[]> r) {
        return r.headers().firstValue("Content-Type").orElse("");
    }

    private static float[] floats(JsonNode node) {
        List<Float> out = new ArrayList<>();
        collect(node, out);
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return f;
    }

    private static void collect(JsonNode node, List<Float> out) {
        if (node.isArray()) {
            node.forEach(c -> collect(c, out));
        } else {
            out.add(node.floatValue());
        }
    }

    /** The 8-bit RGB samples of a PNG, row-major [h, w, 3]. */
    private static List<Integer> pixels(byte[] png) {
        BufferedImage img = new ImageDecoder().decode(png).image();
        List<Integer> out = new ArrayList<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                out.add((rgb >> 16) & 0xff);
                out.add((rgb >> 8) & 0xff);
                out.add(rgb & 0xff);
            }
        }
        return out;
    }

    /** A noisy RGB PNG. */
    static byte[] png(int width, int height, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                // H&E-like pink and purple with noise: probabilities away from 0 and 1, so a wrong pixel shows
                int r = 150 + rnd.nextInt(80);
                int g = 60 + ((x * 3 + y) & 0x3f) + rnd.nextInt(40);
                int b = 140 + rnd.nextInt(80);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
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
}
