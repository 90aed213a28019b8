package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.api.ApiClient.Part;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** Errors that never reach a controller, and content negotiation with q=0, answer problem+json. */
class ErrorResponsesIntegrationTest extends DemoModelsContext {

    @ParameterizedTest
    @ValueSource(
            strings = {
                // a request target with characters Tomcat refuses
                "GET /v1/models?x={}| HTTP/1.1\r\nHost: localhost\r\n\r\n",
                // a header line without a colon
                "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n",
                // an unknown protocol version
                "GET /v1/models HTTP/9.9\r\nHost: localhost\r\n\r\n",
                // a URI that is no path
                "GET v1/models HTTP/1.1\r\nHost: localhost\r\n\r\n",
            })
    void tomcatsOwnRefusalsAreProblemJson(String raw) throws IOException {
        for (int p : new int[] {port, managementPort}) {
            String response = rawExchange(p, raw);
            String head = response.substring(0, Math.max(0, response.indexOf("\r\n\r\n")));
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            assertThat(head).as(response).matches("(?s)HTTP/1.1 (4\\d\\d|505) .*");
            assertThat(head.toLowerCase()).as(response).contains("content-type: application/problem+json");
            assertThat(body).doesNotContain("<html").doesNotContain("Exception").doesNotContain("Tomcat");
            JsonNode p2 = ApiClient.JSON.readTree(body);
            assertThat(p2.path("type").asString()).startsWith("urn:salience:problem:");
            assertThat(p2.path("status").asInt()).isBetween(400, 505).isNotEqualTo(500);
            assertThat(p2.path("type").asString()).isNotEqualTo(Problems.INTERNAL.toString());
        }
    }

    @Test
    void everyRangeWithQualityZeroIs406() {
        for (String accept : new String[] {"*/*;q=0", "application/json;q=0", "application/json;q=0, image/png;q=0"}) {
            HttpResponse<byte[]> r = api.get("/v1/methods", accept);
            ApiClient.assertProblem(r, 406, URI.create("urn:salience:problem:not-acceptable"));
        }
        assertThat(api.get("/v1/methods", "image/png;q=0, application/json").statusCode())
                .isEqualTo(200);
        assertThat(api.get("/v1/methods", "*/*").statusCode()).isEqualTo(200);
    }

    @Test
    void partCountAndPartHeaderLimitsAreSaidAsSuchNotAsSize() {
        List<Part> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            many.add(new Part("image", "p" + i + ".png", "image/png", new byte[] {1}));
        }
        JsonNode count = ApiClient.assertProblem(
                api.multipart("/v1/models/idc-demo/predict", "application/json", many),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(count.path("detail").asString()).contains("more parts").doesNotContain("size limit");

        List<Part> longHeader = List.of(new Part("image", "x".repeat(2000) + ".png", "image/png", new byte[] {1}));
        JsonNode header = ApiClient.assertProblem(
                api.multipart("/v1/models/idc-demo/saliency", "application/json", longHeader),
                400,
                Problems.INVALID_PARAMETER);
        assertThat(header.path("detail").asString())
                .contains("headers are longer")
                .doesNotContain("size limit");
    }

    @Test
    void aFormFieldNameTheFirewallRefusesIs400NotA500() {
        // found by Schemathesis: a field name with a control character was a 500 (RequestRejectedException)
        List<Part> parts = List.of(
                new Part("image", "x.png", "image/png", ApiClient.png(50, 50, 1)),
                new Part("x\u0001y", null, "text/plain", "1".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        for (String path : List.of("/v1/models/idc-demo/saliency", "/v1/models/idc-demo/sanity")) {
            JsonNode p = ApiClient.assertProblem(
                    api.multipart(path, "application/json", parts), 400, Problems.INVALID_PARAMETER);
            assertThat(p.path("detail").asString()).contains("not allowed");
        }
    }

    @Test
    void errorAskedForDirectlyIsAProblem() {
        ApiClient.assertProblem(api.get("/error"), 404, URI.create("urn:salience:problem:not-found"));
    }

    @Test
    void theManagementPortAnswersProblemsToo() {
        ApiClient.assertProblem(management.get("/actuator/nope"), 404, Problems.NOT_FOUND);
        ApiClient.assertProblem(management.get("/nope"), 404, Problems.NOT_FOUND);
        assertThat(management.get("/actuator/health").statusCode()).isEqualTo(503); // the broken descriptor
    }

    static String rawExchange(int port, String request) throws IOException {
        try (Socket s = new Socket("localhost", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] b = new byte[8192];
            int n;
            try {
                while ((n = in.read(b)) > 0) {
                    buf.write(b, 0, n);
                    String sofar = buf.toString(StandardCharsets.ISO_8859_1);
                    int end = sofar.indexOf("\r\n\r\n");
                    if (end > 0 && sofar.toLowerCase().contains("content-length:")) {
                        int len = Integer.parseInt(
                                sofar.toLowerCase().replaceAll("(?s).*content-length:\\s*(\\d+).*", "$1"));
                        if (buf.size() >= end + 4 + len) {
                            break;
                        }
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // what came is what we have
            }
            return buf.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
