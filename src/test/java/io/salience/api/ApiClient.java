package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import javax.imageio.ImageIO;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** A real HTTP client for the running service: raw multipart bodies, JSON parsing and test images. */
final class ApiClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

    ApiClient(int port) {
        this.base = "http://localhost:" + port;
    }

    /** One multipart part. */
    record Part(String name, String filename, String contentType, byte[] data) {
        static Part image(String filename, byte[] data) {
            return new Part("image", filename, "image/png", data);
        }
    }

    HttpResponse<byte[]> get(String path) {
        return get(path, "application/json");
    }

    HttpResponse<byte[]> get(String path, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMinutes(2))
                .GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return send(b.build());
    }

    HttpResponse<byte[]> delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMinutes(2))
                .DELETE()
                .build());
    }

    HttpResponse<byte[]> multipart(String path, String accept, List<Part> parts) {
        String boundary = "----salience-test-" + UUID.randomUUID();
        return post(path, "multipart/form-data; boundary=" + boundary, multipartBody(boundary, parts), accept);
    }

    /** A multipart/form-data body of the parts. */
    static byte[] multipartBody(String boundary, List<Part> parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Part p : parts) {
            StringBuilder h = new StringBuilder();
            h.append("--").append(boundary).append("\r\n");
            h.append("Content-Disposition: form-data; name=\"").append(p.name()).append('"');
            if (p.filename() != null) {
                h.append("; filename=\"").append(p.filename()).append('"');
            }
            h.append("\r\n");
            if (p.contentType() != null) {
                h.append("Content-Type: ").append(p.contentType()).append("\r\n");
            }
            h.append("\r\n");
            body.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
            body.writeBytes(p.data());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    HttpResponse<byte[]> post(String path, String contentType, byte[] body, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return send(b.build());
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        return JSON.readTree(r.body());
    }

    static String contentType(HttpResponse<byte[]> r) {
        return r.headers().firstValue("Content-Type").orElse("");
    }

    /** Asserts an RFC 9457 problem with the given status and type that leaks no internals; returns its body. */
    static JsonNode assertProblem(HttpResponse<byte[]> r, int status, URI type) {
        String body = text(r);
        assertThat(r.statusCode()).as("status of %s", body).isEqualTo(status);
        assertThat(contentType(r)).as("content type of %s", body).startsWith("application/problem+json");
        assertThat(body).doesNotContain("Exception", ".java", "/work/", "at io.", "/tmp/", "/home/");
        JsonNode p = JSON.readTree(body);
        assertThat(p.path("type").asString()).as(body).isEqualTo(type.toString());
        assertThat(p.path("status").asInt()).isEqualTo(status);
        assertThat(p.path("title").asString()).isNotBlank();
        assertThat(p.path("detail").asString()).isNotBlank();
        return p;
    }

    /** Sum of the samples of a Prometheus metric whose labels contain {@code labelFilter}; fails when there are none. */
    static double metricSum(String prometheus, String name, String labelFilter) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "^" + java.util.regex.Pattern.quote(name) + "(\\{[^}]*})?\\s+(\\S+)$",
                        java.util.regex.Pattern.MULTILINE)
                .matcher(prometheus);
        double total = 0;
        boolean found = false;
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(labelFilter)) {
                total += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        assertThat(found).as(name + " " + labelFilter + " in\n" + prometheus).isTrue();
        return total;
    }

    /** A noisy RGB PNG. */
    static byte[] png(int width, int height, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = (x * 255 / Math.max(1, width - 1) + rnd.nextInt(40)) & 0xff;
                int g = (y * 255 / Math.max(1, height - 1) + rnd.nextInt(40)) & 0xff;
                int b = rnd.nextInt(256);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return encode(img);
    }

    static byte[] encode(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static BufferedImage decode(byte[] png) {
        try {
            BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(png));
            assertThat(img).as("decodable image").isNotNull();
            return img;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
