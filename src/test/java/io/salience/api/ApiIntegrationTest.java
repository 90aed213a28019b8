package io.salience.api;

import static io.salience.api.ApiClient.assertProblem;
import static io.salience.api.ApiClient.encode;
import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.png;
import static io.salience.api.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.salience.api.ApiClient.Part;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The REST API end to end over real HTTP: model views, readiness, predict, every saliency method, every error. */
class ApiIntegrationTest extends DemoModelsContext {

    private static final String SALIENCY = "/v1/models/idc-demo/saliency";
    private static final String PREDICT = "/v1/models/idc-demo/predict";

    @Test
    void listsReadyAndFailedModels() {
        HttpResponse<byte[]> r = api.get("/v1/models");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode list = json(r);
        assertThat(list.size()).isEqualTo(2);
        JsonNode demo = find(list, "name", "idc-demo");
        assertThat(demo.path("status").asString()).isEqualTo("ready");
        assertThat(demo.path("version").asString()).isEqualTo("1.0.0");
        assertThat(demo.path("input").path("width").asInt()).isEqualTo(50);
        assertThat(demo.path("input").path("height").asInt()).isEqualTo(50);
        assertThat(demo.path("input").path("channels").asInt()).isEqualTo(3);
        assertThat(demo.path("input").path("colorMode").asString()).isEqualTo("rgb");
        assertThat(demo.path("output").asString()).isEqualTo("softmax");
        assertThat(strings(demo.path("labels"))).containsExactly("no-idc", "idc");

        JsonNode broken = find(list, "status", "failed");
        assertThat(broken.path("name").asString()).isEqualTo(TestModels.BROKEN_KEY);
        assertThat(broken.path("error").asString())
                .contains(TestModels.BROKEN_KEY)
                .contains("input.colorMode")
                .contains("purple")
                .doesNotContain(MODELS.toString());
    }

    @Test
    void readinessIsDownAndNamesTheFailure() {
        HttpResponse<byte[]> r = management.get("/actuator/health/readiness");
        String body = text(r);
        assertThat(r.statusCode()).as(body).isEqualTo(503);
        JsonNode health = json(r);
        assertThat(health.path("status").asString()).isEqualTo("DOWN");
        assertThat(body)
                .contains(TestModels.BROKEN_KEY)
                .contains("input.colorMode")
                .contains("FAILED");
        assertThat(body).contains("idc-demo");
        HttpResponse<byte[]> live = management.get("/actuator/health/liveness");
        assertThat(live.statusCode()).isEqualTo(200);
    }

    @Test
    void modelDetailHasSignatureTensors() {
        HttpResponse<byte[]> r = api.get("/v1/models/idc-demo");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode d = json(r);
        assertThat(d.path("model").path("name").asString()).isEqualTo("idc-demo");
        assertThat(d.path("signature").asString()).isEqualTo("serving_default");
        JsonNode in = d.path("signatureInput");
        assertThat(in.path("name").asString()).isNotBlank();
        assertThat(in.path("dtype").asString()).isEqualTo("float");
        assertThat(longs(in.path("shape"))).containsExactly(-1L, 50L, 50L, 3L);
        JsonNode out = d.path("signatureOutput");
        assertThat(out.path("name").asString()).isNotBlank();
        assertThat(longs(out.path("shape"))).hasSize(2).endsWith(2L);
        assertThat(d.path("logitsActivation").asString()).isNotBlank();
    }

    @Test
    void layersListSpatialCandidatesAndADefault() {
        JsonNode layers = layers();
        String auto = layers.path("defaultCamLayer").asString();
        assertThat(auto).isNotBlank();
        List<String> spatial = new ArrayList<>();
        for (JsonNode l : layers.path("layers")) {
            if (l.path("spatial").asBoolean()) {
                spatial.add(l.path("name").asString());
                List<Long> shape = longs(l.path("shape"));
                assertThat(shape).hasSize(3);
                assertThat(shape.get(0)).isGreaterThan(1);
                assertThat(shape.get(1)).isGreaterThan(1);
            }
        }
        assertThat(spatial).isNotEmpty().contains(auto);
    }

    @Test
    void predictsTwoImagesWithSortedProbabilities() {
        List<Part> parts = List.of(Part.image("a.png", png(50, 50, 1)), Part.image("b.png", png(64, 48, 2)));
        HttpResponse<byte[]> r = api.multipart(PREDICT + "?echoFilename=true", "application/json", parts);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("model").asString()).isEqualTo("idc-demo");
        assertThat(body.path("version").asString()).isEqualTo("1.0.0");
        JsonNode preds = body.path("predictions");
        assertThat(preds.size()).isEqualTo(2);
        assertThat(preds.get(0).path("filename").asString()).isEqualTo("a.png");
        assertThat(preds.get(1).path("filename").asString()).isEqualTo("b.png");
        for (int i = 0; i < 2; i++) {
            JsonNode classes = preds.get(i).path("classes");
            assertThat(preds.get(i).path("image").asInt()).isEqualTo(i);
            assertThat(classes.size()).isEqualTo(2);
            double sum = 0;
            double previous = Double.POSITIVE_INFINITY;
            List<String> labels = new ArrayList<>();
            for (JsonNode c : classes) {
                double p = c.path("probability").asDouble();
                assertThat(p).isBetween(0.0, 1.0).isLessThanOrEqualTo(previous);
                previous = p;
                sum += p;
                labels.add(c.path("label").asString());
                assertThat(c.path("label").asString()).isEqualTo(c.path("index").asInt() == 0 ? "no-idc" : "idc");
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
            assertThat(labels).containsExactlyInAnyOrder("no-idc", "idc");
        }

        HttpResponse<byte[]> top = api.multipart(PREDICT + "?topK=1", "application/json", parts);
        assertThat(top.statusCode()).isEqualTo(200);
        JsonNode topPreds = json(top).path("predictions");
        for (int i = 0; i < 2; i++) {
            JsonNode classes = topPreds.get(i).path("classes");
            assertThat(classes.size()).isEqualTo(1);
            assertThat(classes.get(0).path("label").asString())
                    .isEqualTo(preds.get(i).path("classes").get(0).path("label").asString());
            assertThat(classes.get(0).path("probability").asDouble())
                    .isCloseTo(
                            preds.get(i)
                                    .path("classes")
                                    .get(0)
                                    .path("probability")
                                    .asDouble(),
                            within(1e-6));
        }
    }

    @Test
    void everyMethodReturnsPngJsonAndNpy() {
        HttpResponse<byte[]> mr = api.get("/v1/methods");
        assertThat(mr.statusCode()).isEqualTo(200);
        JsonNode methods = json(mr);
        assertThat(methods.size()).isGreaterThanOrEqualTo(10);
        String autoLayer = layers().path("defaultCamLayer").asString();
        byte[] image = png(50, 50, 7);
        byte[] odd = png(80, 60, 8);
        List<String> names = new ArrayList<>();
        for (JsonNode method : methods) {
            String name = method.path("name").asString();
            names.add(name);
            String path = SALIENCY + "?method=" + enc(name);

            HttpResponse<byte[]> pngResponse = api.multipart(path, "image/png", List.of(Part.image("x.png", image)));
            assertThat(pngResponse.statusCode())
                    .as("%s PNG: %s", name, text(pngResponse))
                    .isEqualTo(200);
            assertThat(ApiClient.contentType(pngResponse)).startsWith("image/png");
            BufferedImage img = ApiClient.decode(pngResponse.body());
            assertThat(img.getWidth()).as(name).isEqualTo(50);
            assertThat(img.getHeight()).as(name).isEqualTo(50);

            HttpResponse<byte[]> original =
                    api.multipart(path + "&size=original", "image/png", List.of(Part.image("y.png", odd)));
            assertThat(original.statusCode())
                    .as("%s size=original: %s", name, text(original))
                    .isEqualTo(200);
            BufferedImage big = ApiClient.decode(original.body());
            assertThat(big.getWidth()).as(name).isEqualTo(80);
            assertThat(big.getHeight()).as(name).isEqualTo(60);

            HttpResponse<byte[]> jr = api.multipart(path, "application/json", List.of(Part.image("x.png", image)));
            assertThat(jr.statusCode()).as("%s JSON: %s", name, text(jr)).isEqualTo(200);
            assertThat(ApiClient.contentType(jr)).startsWith("application/json");
            JsonNode j = json(jr);
            assertThat(j.path("method").asString()).isEqualTo(name);
            assertThat(j.path("model").asString()).isEqualTo("idc-demo");
            List<Long> shape = longs(j.path("shape"));
            assertThat(shape).hasSize(2);
            JsonNode map = j.path("map");
            assertThat((long) map.size()).as(name).isEqualTo(shape.get(0) * shape.get(1));
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (JsonNode v : map) {
                double d = v.asDouble();
                assertThat(d).as(name).isBetween(0.0, 1.0);
                lo = Math.min(lo, d);
                hi = Math.max(hi, d);
            }
            assertThat(hi).as("%s map is not constant zero", name).isGreaterThan(0.0);
            assertThat(j.path("min").asDouble())
                    .as(name)
                    .isLessThanOrEqualTo(j.path("max").asDouble());
            JsonNode params = j.path("parameters");
            assertThat(params.has("target")).isTrue();
            for (JsonNode spec : method.path("parameters")) {
                String p = spec.path("name").asString();
                String expected = p.equals("layer")
                        ? autoLayer
                        : spec.path("defaultValue").asString();
                assertThat(params.path(p).asString())
                        .as("%s parameter %s filled with its default", name, p)
                        .isEqualTo(expected);
            }
            if (method.path("usesLayer").asBoolean()) {
                assertThat(j.path("layer").asString()).isEqualTo(autoLayer);
            }
            JsonNode timings = j.path("timings");
            assertThat(timings.path("decode").isNumber())
                    .as("%s timings %s", name, timings)
                    .isTrue();
            assertThat(timings.path("compute").asDouble()).isGreaterThanOrEqualTo(0.0);
            List<Long> rawShape = longs(j.path("rawShape"));
            assertThat(rawShape).hasSize(3);
            assertThat(j.path("target").path("label").asString()).isIn("no-idc", "idc");

            HttpResponse<byte[]> nr = api.multipart(path, "application/x-npy", List.of(Part.image("x.png", image)));
            assertThat(nr.statusCode()).as("%s NPY: %s", name, text(nr)).isEqualTo(200);
            assertThat(ApiClient.contentType(nr)).startsWith("application/x-npy");
            Npy npy = Npy.parse(nr.body());
            assertThat(npy.descr()).isEqualTo("<f4");
            assertThat(npy.shape()).as(name).isEqualTo(rawShape);
            assertThat((long) npy.values().length).isEqualTo(rawShape.stream().reduce(1L, (a, b) -> a * b));
            for (float v : npy.values()) {
                assertThat(Float.isFinite(v)).as("%s NPY values finite", name).isTrue();
            }
        }
        assertThat(names)
                .contains(
                        "gradient",
                        "gradient-x-input",
                        "integrated-gradients",
                        "smoothgrad",
                        "vargrad",
                        "guided-backprop",
                        "deconvnet",
                        "grad-cam",
                        "grad-cam++",
                        "layer-cam",
                        "guided-grad-cam");
    }

    @Test
    void integratedGradientsAreComplete() {
        HttpResponse<byte[]> r = api.multipart(
                SALIENCY + "?method=integrated-gradients&steps=64",
                "application/json",
                List.of(Part.image("x.png", png(50, 50, 11))));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode j = json(r);
        assertThat(j.path("parameters").path("steps").asString()).isEqualTo("64");
        JsonNode gap = j.path("extras").path("completenessGap");
        assertThat(gap.isNumber()).as(j.path("extras").toString()).isTrue();
        assertThat(gap.asDouble()).isLessThan(0.05);
    }

    // ---- errors ----

    @Test
    void unknownModelIs404() {
        assertProblem(api.get("/v1/models/nope"), 404, Problems.UNKNOWN_MODEL);
        JsonNode p = assertProblem(
                api.multipart(
                        "/v1/models/nope/predict", "application/json", List.of(Part.image("a.png", png(8, 8, 1)))),
                404,
                Problems.UNKNOWN_MODEL);
        assertThat(p.path("model").asString()).isEqualTo("nope");
    }

    @Test
    void textFileAsImageIs415() {
        Part textPart =
                new Part("image", "notes.txt", "text/plain", "hello, not an image\n".getBytes(StandardCharsets.UTF_8));
        assertProblem(
                api.multipart(PREDICT, "application/json", List.of(textPart)), 415, Problems.UNSUPPORTED_MEDIA_TYPE);
        assertProblem(
                api.multipart(SALIENCY, "application/json", List.of(textPart)), 415, Problems.UNSUPPORTED_MEDIA_TYPE);
    }

    @Test
    void truncatedPngIs422() {
        byte[] full = png(50, 50, 3);
        byte[] truncated = Arrays.copyOf(full, full.length / 3);
        assertProblem(
                api.multipart(PREDICT, "application/json", List.of(Part.image("cut.png", truncated))),
                422,
                Problems.UNDECODABLE_IMAGE);
    }

    @Test
    void stepsZeroIs400NamingTheParameter() {
        JsonNode p = assertProblem(
                api.multipart(
                        SALIENCY + "?method=integrated-gradients&steps=0",
                        "application/json",
                        List.of(Part.image("x.png", png(50, 50, 1)))),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("parameter").asString()).isEqualTo("steps");
    }

    @Test
    void unknownMethodIs400ListingValidMethods() {
        JsonNode p = assertProblem(
                api.multipart(
                        SALIENCY + "?method=magic", "application/json", List.of(Part.image("x.png", png(50, 50, 1)))),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("parameter").asString()).isEqualTo("method");
        assertThat(p.path("detail").asString()).contains("magic", "gradient", "integrated-gradients", "grad-cam");
    }

    @Test
    void anUploadedBaselineImageIsTheStartOfTheIntegratedGradientsPath() {
        byte[] image = png(50, 50, 11);
        BufferedImage black = new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB);
        String ig = SALIENCY + "?method=integrated-gradients&steps=16";
        HttpResponse<byte[]> uploaded = api.multipart(
                ig,
                "application/x-npy",
                List.of(Part.image("x.png", image), new Part("baselineImage", "b.png", "image/png", encode(black))));
        assertThat(uploaded.statusCode()).as(text(uploaded)).isEqualTo(200);
        HttpResponse<byte[]> builtIn =
                api.multipart(ig + "&baseline=black", "application/x-npy", List.of(Part.image("x.png", image)));
        assertThat(builtIn.statusCode()).as(text(builtIn)).isEqualTo(200);
        // a black upload preprocesses to the built-in black baseline, so the two maps are the same numbers
        assertThat(Npy.parse(uploaded.body()).values())
                .containsExactly(Npy.parse(builtIn.body()).values());
        // against the image itself every attribution is zero: x - x' = 0
        HttpResponse<byte[]> self = api.multipart(
                ig,
                "application/x-npy",
                List.of(Part.image("x.png", image), new Part("baselineImage", "x.png", "image/png", image)));
        assertThat(self.statusCode()).as(text(self)).isEqualTo(200);
        for (float v : Npy.parse(self.body()).values()) {
            assertThat(v).isZero();
        }
        // JSON reports the baseline used
        HttpResponse<byte[]> withJson = api.multipart(
                ig,
                "application/json",
                List.of(Part.image("x.png", image), new Part("baselineImage", "b.png", "image/png", encode(black))));
        assertThat(json(withJson).path("parameters").path("baseline").asString())
                .isEqualTo("uploaded");
    }

    @Test
    void emptyFieldsAsSwaggerUiSendsThemMeanNotGiven() {
        HttpResponse<byte[]> r = api.multipart(
                SALIENCY + "?method=gradient&baseline=&steps=&target=&layer=&clip=",
                "application/json",
                List.of(Part.image("x.png", png(50, 50, 1))));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(json(r).path("normalization").path("clipPercentile").asDouble())
                .isEqualTo(99.5);
    }

    @Test
    void gradCamPlusPlusAnswersUnderItsAliasAndItsEncodedName() {
        for (String name : List.of("grad-cam-plus-plus", "grad-cam%2B%2B")) {
            HttpResponse<byte[]> r = api.multipart(
                    SALIENCY + "?method=" + name, "application/json", List.of(Part.image("x.png", png(50, 50, 1))));
            assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
            assertThat(json(r).path("method").asString()).isEqualTo("grad-cam++");
        }
        JsonNode p = assertProblem(
                api.multipart(
                        SALIENCY + "?method=grad-cam++",
                        "application/json",
                        List.of(Part.image("x.png", png(50, 50, 1)))),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("detail").asString()).contains("%2B");
    }

    @Test
    void anUndecodableQueryStringIs400NotAnInternalError() {
        for (String query : List.of("?=x", "?target=%C3", "?target=%ff")) {
            JsonNode p = assertProblem(
                    api.multipart(SALIENCY + query, "application/json", List.of(Part.image("x.png", png(50, 50, 1)))),
                    400,
                    Problems.INVALID_PARAMETER);
            assertThat(p.path("detail").asString()).as(query).contains("cannot be decoded");
        }
    }

    @Test
    void errorsThatNeverReachAControllerAreProblemsToo() throws Exception {
        HttpResponse<byte[]> trace = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create("http://localhost:" + port + "/v1/methods"))
                                .method("TRACE", java.net.http.HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertProblem(trace, 405, Problems.METHOD_NOT_ALLOWED);
        assertProblem(api.get("/error"), 404, Problems.NOT_FOUND);
    }

    @Test
    void tooManyPartsOrOverlongPartHeadersAre400NotTooLarge() {
        List<Part> many = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            many.add(Part.image("p" + i + ".png", png(1, 1, i)));
        }
        JsonNode p = assertProblem(
                api.multipart("/v1/models/idc-demo/predict", "application/json", many),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("detail").asString()).contains("more parts");
        String longName = "x".repeat(600) + ".png";
        p = assertProblem(
                api.multipart(
                        "/v1/models/idc-demo/predict", "application/json", List.of(Part.image(longName, png(8, 8, 1)))),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("detail").asString()).contains("headers are longer");
    }

    @Test
    void unknownParameterIs400() {
        JsonNode p = assertProblem(
                api.multipart(
                        SALIENCY + "?method=gradient&stepz=3",
                        "application/json",
                        List.of(Part.image("x.png", png(50, 50, 1)))),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("parameter").asString()).isEqualTo("stepz");
        assertThat(p.path("detail").asString()).contains("stepz");
    }

    @Test
    void unknownLayerIs400ListingCandidates() {
        String auto = layers().path("defaultCamLayer").asString();
        JsonNode p = assertProblem(
                api.multipart(
                        SALIENCY + "?method=grad-cam&layer=no_such_layer",
                        "application/json",
                        List.of(Part.image("x.png", png(50, 50, 1)))),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("parameter").asString()).isEqualTo("layer");
        assertThat(p.path("detail").asString()).contains("no_such_layer").contains(auto);
    }

    @Test
    void targetOutOfRangeIs400() {
        JsonNode p = assertProblem(
                api.multipart(
                        SALIENCY + "?method=gradient&target=7",
                        "application/json",
                        List.of(Part.image("x.png", png(50, 50, 1)))),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(p.path("parameter").asString()).isEqualTo("target");
    }

    @Test
    void jsonRequestBodyIs415() {
        byte[] body = "{\"image\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        assertProblem(
                api.post(PREDICT, "application/json", body, "application/json"), 415, Problems.UNSUPPORTED_MEDIA_TYPE);
        assertProblem(api.post(SALIENCY, "application/json", body, "image/png"), 415, Problems.UNSUPPORTED_MEDIA_TYPE);
    }

    @Test
    void imageOverThePixelLimitIs413() {
        byte[] big = png(200, 200, 5);
        assertProblem(
                api.multipart(PREDICT, "application/json", List.of(Part.image("big.png", big))),
                413,
                Problems.TOO_LARGE);
        assertProblem(
                api.multipart(SALIENCY, "application/json", List.of(Part.image("big.png", big))),
                413,
                Problems.TOO_LARGE);
    }

    @Test
    void unacceptableAcceptIs406Problem() {
        assertProblem(
                api.multipart(SALIENCY, "text/plain", List.of(Part.image("x.png", png(50, 50, 1)))),
                406,
                Problems.NOT_ACCEPTABLE);
        assertProblem(
                api.multipart(PREDICT, "text/plain", List.of(Part.image("x.png", png(50, 50, 1)))),
                406,
                Problems.NOT_ACCEPTABLE);
        assertProblem(api.get("/v1/models", "text/plain"), 406, Problems.NOT_ACCEPTABLE);
    }

    // ---- helpers ----

    private JsonNode layers() {
        HttpResponse<byte[]> r = api.get("/v1/models/idc-demo/layers");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode l = json(r);
        assertThat(l.path("model").asString()).isEqualTo("idc-demo");
        return l;
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.path(field).asString())) {
                return n;
            }
        }
        throw new AssertionError("no element with " + field + "=" + value + " in " + array);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asLong()));
        return out;
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A parsed little-endian float32 NPY file. */
    record Npy(String descr, List<Long> shape, float[] values) {
        private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
        private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

        static Npy parse(byte[] b) {
            assertThat(b.length).isGreaterThan(10);
            assertThat(b[0] & 0xff).isEqualTo(0x93);
            assertThat(new String(b, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
            int major = b[6];
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            int headerLen;
            int start;
            if (major == 1) {
                headerLen = bb.getShort(8) & 0xffff;
                start = 10;
            } else {
                headerLen = bb.getInt(8);
                start = 12;
            }
            String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
            assertThat((start + headerLen) % 16)
                    .as("NPY header aligned to 16 bytes")
                    .isZero();
            assertThat(header).contains("'fortran_order': False");
            Matcher d = DESCR.matcher(header);
            Matcher s = SHAPE.matcher(header);
            assertThat(d.find()).as(header).isTrue();
            assertThat(s.find()).as(header).isTrue();
            List<Long> shape = new ArrayList<>();
            for (String dim : s.group(1).split(",")) {
                if (!dim.isBlank()) {
                    shape.add(Long.parseLong(dim.trim()));
                }
            }
            int dataStart = start + headerLen;
            assertThat((b.length - dataStart) % 4).isZero();
            float[] values = new float[(b.length - dataStart) / 4];
            bb.position(dataStart);
            bb.asFloatBuffer().get(values);
            return new Npy(d.group(1), shape, values);
        }
    }
}
