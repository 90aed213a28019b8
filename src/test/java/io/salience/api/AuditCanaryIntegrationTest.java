package io.salience.api;

import static io.salience.api.ApiClient.JSON;
import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.salience.api.ApiClient.Part;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Patient data must never reach the logs, the metrics or the audit. A unique canary string goes into every place an
 * upload can carry text (the multipart file name, EXIF ImageDescription, a PNG tEXt chunk, a JPEG COM segment); the
 * uploads go to every endpoint that takes images, native and KServe v1/v2, successful and failing; then no log event,
 * no Prometheus sample, no audit line and no response holds the canary. The audit has one line per request, with
 * the input hashes, the model hash and the explanation id.
 */
class AuditCanaryIntegrationTest extends DemoModelsContext {

    static final String CANARY = "PHI-CANARY-" + UUID.randomUUID();

    @Test
    void theCanaryIsNowhereAndEveryRequestHasOneAuditLine() throws Exception {
        byte[] png = pngWithText(ApiClient.png(50, 50, 71), "Comment", CANARY);
        byte[] jpeg = jpegWithExifAndComment(CANARY);
        assertThat(new String(png, StandardCharsets.ISO_8859_1)).contains(CANARY);
        assertThat(new String(jpeg, StandardCharsets.ISO_8859_1))
                .contains(CANARY)
                .contains("Exif");
        ApiClient.decode(png);
        ApiClient.decode(jpeg);
        String name = CANARY + ".png";
        String jpgName = CANARY + ".jpg";

        List<HttpResponse<byte[]>> responses = new ArrayList<>();
        Map<String, String> expectedInput = new LinkedHashMap<>(); // request id -> first input hash
        String explanationId;
        try (LogCapture logs = new LogCapture()) {
            responses.add(api.multipart(
                    "/v1/models/idc-demo/predict",
                    "application/json",
                    List.of(Part.image(name, png), new Part("image", jpgName, "image/jpeg", jpeg))));
            expectedInput.put(last(responses), ModelHashes.sha256(png));
            for (String accept : List.of("application/json", "image/png", "application/x-npy")) {
                responses.add(api.multipart(
                        "/v1/models/idc-demo/saliency",
                        accept,
                        List.of(new Part("image", jpgName, "image/jpeg", jpeg))));
                expectedInput.put(last(responses), ModelHashes.sha256(jpeg));
            }
            explanationId = json(responses.get(1)).path("explanationId").asString();
            responses.add(api.multipart(
                    "/v1/models/idc-demo/saliency?method=integrated-gradients&steps=4",
                    "application/json",
                    List.of(Part.image(name, png), new Part("baselineImage", jpgName, "image/jpeg", jpeg))));
            expectedInput.put(last(responses), ModelHashes.sha256(png));
            // failures: an upload that is no image, an unknown model
            byte[] broken = (CANARY + " is no image").getBytes(StandardCharsets.UTF_8);
            responses.add(api.multipart(
                    "/v1/models/idc-demo/saliency", "application/json", List.of(Part.image(name, broken))));
            expectedInput.put(last(responses), ModelHashes.sha256(broken));
            responses.add(api.multipart("/v1/models/nope/predict", "application/json", List.of(Part.image(name, png))));
            // the serving protocols
            String b64png = Base64.getEncoder().encodeToString(png);
            String b64jpeg = Base64.getEncoder().encodeToString(jpeg);
            byte[] v2 = JSON.writeValueAsBytes(Map.of(
                    "inputs",
                    List.of(Map.of(
                            "name",
                            "input",
                            "datatype",
                            "BYTES",
                            "shape",
                            List.of(2),
                            "data",
                            List.of(b64png, b64jpeg)))));
            responses.add(api.post("/v2/models/idc-demo/infer", "application/json", v2, null));
            expectedInput.put(last(responses), ModelHashes.sha256(v2));
            byte[] v1 = JSON.writeValueAsBytes(Map.of("instances", List.of(Map.of("b64", b64jpeg))));
            responses.add(api.post("/v1/models/idc-demo:predict", "application/json", v1, null));
            expectedInput.put(last(responses), ModelHashes.sha256(v1));
            byte[] v1x = JSON.writeValueAsBytes(
                    Map.of("instances", List.of(Map.of("b64", b64png)), "parameters", Map.of("method", "gradient")));
            responses.add(api.post("/v1/models/idc-demo:explain", "application/json", v1x, null));
            expectedInput.put(last(responses), ModelHashes.sha256(v1x));

            String metrics = text(management.get("/actuator/prometheus", "text/plain"));
            assertThat(metrics).contains("http_server_requests").doesNotContain(CANARY);
            assertThat(logs.text()).doesNotContain(CANARY);

            List<Integer> statuses =
                    responses.stream().map(HttpResponse::statusCode).toList();
            assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 415, 404, 200, 200, 200);
            for (HttpResponse<byte[]> r : responses) {
                assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).doesNotContain(CANARY);
                assertThat(r.headers().map().toString()).doesNotContain(CANARY);
            }
            assertThat(json(responses.get(0)).path("predictions").get(0).has("filename"))
                    .isFalse();

            List<JsonNode> audit = logs.messages("salience.audit").stream()
                    .map(JSON::readTree)
                    .filter(a -> !a.path("path").asString().startsWith("/actuator"))
                    .toList();
            assertThat(audit).hasSize(responses.size());
            for (int i = 0; i < responses.size(); i++) {
                HttpResponse<byte[]> r = responses.get(i);
                String id = r.headers().firstValue("X-Request-Id").orElseThrow();
                JsonNode line = audit.stream()
                        .filter(a -> a.path("requestId").asString().equals(id))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no audit line for " + id + " in " + audit));
                assertThat(line.path("status").asInt()).isEqualTo(r.statusCode());
                assertThat(line.path("time").asString()).isNotBlank();
                assertThat(line.path("durationMs").asDouble()).isPositive();
                assertThat(line.has("principal")).isFalse(); // authentication is off
                if (expectedInput.containsKey(id)) {
                    assertThat(line.path("inputSha256").get(0).asString()).isEqualTo(expectedInput.get(id));
                }
                if (r.statusCode() == 200) {
                    assertThat(line.path("model").asString()).isEqualTo("idc-demo");
                    assertThat(line.path("modelVersion").asString()).isEqualTo("1.0.0");
                    assertThat(line.path("modelSha256").asString())
                            .isEqualTo(ModelHashes.savedModel(TestModels.DEMO_SAVED_MODEL));
                    assertThat(line.path("operation").asString()).isNotBlank();
                }
            }
            JsonNode saliency = audit.stream()
                    .filter(a -> a.path("explanationId").asString().equals(explanationId))
                    .findFirst()
                    .orElseThrow();
            assertThat(saliency.path("operation").asString()).isEqualTo("gradient");
            assertThat(saliency.path("parameters").path("target").asString()).isIn("idc", "no-idc");
            assertThat(saliency.path("timingsMs").has("compute")).isTrue();
            JsonNode ig = audit.get(4);
            assertThat(ig.path("inputSha256").size()).isEqualTo(2);
            assertThat(ig.path("parameters").path("steps").asString()).isEqualTo("4");
            assertThat(audit.get(0).path("inputSha256").size()).isEqualTo(2);
            assertThat(audit.get(0).path("operation").asString()).isEqualTo("predict");
        }
    }

    private static String last(List<HttpResponse<byte[]>> responses) {
        return responses
                .get(responses.size() - 1)
                .headers()
                .firstValue("X-Request-Id")
                .orElseThrow();
    }

    /** A PNG with a tEXt chunk after IHDR. */
    static byte[] pngWithText(byte[] png, String keyword, String value) {
        byte[] data = (keyword + "\0" + value).getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
        chunk.putInt(data.length)
                .put("tEXt".getBytes(StandardCharsets.US_ASCII))
                .put(data);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + data.length);
        chunk.putInt((int) crc.getValue());
        int afterIhdr = 8 + 4 + 4 + 13 + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, afterIhdr);
        out.writeBytes(chunk.array());
        out.write(png, afterIhdr, png.length - afterIhdr);
        return out.toByteArray();
    }

    /** A JPEG with an EXIF APP1 (ImageDescription) and a COM segment after its JFIF APP0. */
    static byte[] jpegWithExifAndComment(String text) throws IOException {
        BufferedImage img = new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 50; y++) {
            for (int x = 0; x < 50; x++) {
                img.setRGB(x, y, (x * 5) << 16 | (y * 5) << 8 | 128);
            }
        }
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", encoded);
        byte[] jpg = encoded.toByteArray();
        int afterApp0 = 4 + (((jpg[4] & 0xff) << 8) | (jpg[5] & 0xff));
        if ((jpg[2] & 0xff) != 0xff || (jpg[3] & 0xff) != 0xe0) {
            throw new IllegalStateException("no JFIF APP0");
        }
        byte[] desc = (text + "\0").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4 + desc.length);
        tiff.put(new byte[] {'M', 'M', 0, 42}).putInt(8).putShort((short) 1);
        tiff.putShort((short) 0x010E).putShort((short) 2).putInt(desc.length).putInt(8 + 2 + 12 + 4);
        tiff.putInt(0).put(desc);
        byte[] exifHeader = {'E', 'x', 'i', 'f', 0, 0};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpg, 0, afterApp0);
        int app1 = 2 + exifHeader.length + tiff.capacity();
        out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xe1, (byte) (app1 >> 8), (byte) app1});
        out.writeBytes(exifHeader);
        out.writeBytes(tiff.array());
        byte[] comment = text.getBytes(StandardCharsets.US_ASCII);
        int com = 2 + comment.length;
        out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) (com >> 8), (byte) com});
        out.writeBytes(comment);
        out.write(jpg, afterApp0, jpg.length - afterApp0);
        return out.toByteArray();
    }
}
