package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;
import tools.jackson.databind.JsonNode;

/**
 * The served OpenAPI document must equal the committed {@code openapi.yaml} (as parsed YAML trees, ignoring
 * {@code servers}, whose port is random). {@code -Dsalience.openapi.write=true} rewrites the file instead.
 */
class OpenApiContractTest extends DemoModelsContext {

    static final Path COMMITTED = Path.of("openapi.yaml");
    static final String REGENERATE =
            "run `./mvnw -q test -Dtest=OpenApiContractTest -Dsalience.openapi.write=true` to rewrite openapi.yaml";

    @Test
    void servedSpecMatchesCommittedOpenapiYaml() throws IOException {
        Map<String, Object> served = served();
        if (Boolean.getBoolean("salience.openapi.write")) {
            DumperOptions options = new DumperOptions();
            options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
            options.setIndent(2);
            options.setWidth(120);
            options.setLineBreak(DumperOptions.LineBreak.UNIX);
            Yaml yaml = new Yaml(new Representer(options), options);
            Files.writeString(COMMITTED, yaml.dump(served), StandardCharsets.UTF_8);
            System.out.println("Wrote " + COMMITTED.toAbsolutePath());
            return;
        }
        assertThat(Files.isRegularFile(COMMITTED))
                .as("openapi.yaml is missing; " + REGENERATE)
                .isTrue();
        Map<String, Object> committed = withoutServers(load(Files.readString(COMMITTED, StandardCharsets.UTF_8)));
        if (!committed.equals(served)) {
            List<String> diffs = new ArrayList<>();
            diff("", committed, served, diffs);
            throw new AssertionError("The served OpenAPI document differs from openapi.yaml; " + REGENERATE
                    + "\nDifferences (committed vs served), first 20:\n  "
                    + String.join("\n  ", diffs.subList(0, Math.min(20, diffs.size()))));
        }
    }

    @Test
    void modelEndpointsDocumentTheirProblemResponses() {
        Map<String, Object> paths = map(served().get("paths"));
        for (String path : List.of("/v1/models/{model}/predict", "/v1/models/{model}/saliency")) {
            Map<String, Object> responses =
                    map(map(map(paths.get(path)).get("post")).get("responses"));
            assertThat(responses).as(path).containsKeys("200", "400", "404", "406", "413", "415", "422", "503");
            Map<String, Object> overloaded = map(responses.get("503"));
            assertThat(map(overloaded.get("headers"))).as(path).containsKey("Retry-After");
            assertThat(map(overloaded.get("content"))).as(path).containsKey("application/problem+json");
        }
        // The problem responses are the ones the service really sends: a 404 from the same server.
        HttpResponse<byte[]> unknown = api.multipart(
                "/v1/models/no-such-model/predict",
                "application/json",
                List.of(ApiClient.Part.image("p.png", ApiClient.png(8, 8, 1))));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(ApiClient.contentType(unknown)).startsWith("application/problem+json");
    }

    @Test
    void everySaliencyParameterIsDocumentedWithItsDefault() {
        Map<String, Object> spec = served();
        Map<String, Object> saliency = map(
                map(map(spec.get("paths")).get("/v1/models/{model}/saliency")).get("post"));
        Map<String, String> documented = new LinkedHashMap<>();
        for (Object o : (List<?>) saliency.get("parameters")) {
            Map<String, Object> p = map(o);
            documented.put(String.valueOf(p.get("name")), String.valueOf(p.get("description")));
        }
        List<String> missing = new ArrayList<>();
        JsonNode methods = ApiClient.json(api.get("/v1/methods"));
        for (JsonNode method : methods) {
            for (JsonNode ps : method.path("parameters")) {
                String name = ps.path("name").asString();
                String def = ps.path("defaultValue").asString();
                String description = documented.get(name);
                if (description == null) {
                    missing.add(method.path("name").asString() + "." + name + ": not a documented query parameter");
                } else if (!description.contains(def)) {
                    missing.add(method.path("name").asString() + "." + name + ": default '" + def
                            + "' not in description '" + description + "'");
                }
            }
        }
        for (String common : List.of("render", "colormap", "alpha", "size", "reduce", "clip", "target", "method")) {
            if (!documented.containsKey(common)) {
                missing.add("common parameter " + common + " not documented");
            } else if (!documented.get(common).contains("default")) {
                missing.add(common + ": description names no default");
            }
        }
        assertThat(missing)
                .as("saliency parameters documented with their defaults")
                .isEmpty();
        // limits of the numeric parameters
        assertThat(documented.get("steps")).contains("32").contains("1..1024");
        assertThat(documented.get("samples")).contains("25").contains("1..512");
        assertThat(documented.get("noise")).contains("0.15").contains("0..1");
        assertThat(documented.get("alpha")).contains("0.5").contains("0..1");
        assertThat(documented.get("clip")).contains("99.5").contains("100");
    }

    private Map<String, Object> served() {
        HttpResponse<byte[]> r = api.get("/v3/api-docs.yaml", "application/vnd.oai.openapi, */*");
        assertThat(r.statusCode()).as(ApiClient.text(r)).isEqualTo(200);
        return withoutServers(load(ApiClient.text(r)));
    }

    private static Map<String, Object> load(String text) {
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(text.replace("\r\n", "\n").replace('\r', '\n'));
        assertThat(doc).isInstanceOf(Map.class);
        return map(doc);
    }

    private static Map<String, Object> withoutServers(Map<String, Object> doc) {
        Map<String, Object> copy = new LinkedHashMap<>(doc);
        copy.remove("servers");
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static void diff(String path, Object a, Object b, List<String> out) {
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            for (Object k : ma.keySet()) {
                if (!mb.containsKey(k)) {
                    out.add(path + "/" + k + ": only in openapi.yaml");
                } else {
                    diff(path + "/" + k, ma.get(k), mb.get(k), out);
                }
            }
            for (Object k : mb.keySet()) {
                if (!ma.containsKey(k)) {
                    out.add(path + "/" + k + ": only in the served document");
                }
            }
        } else if (a instanceof List<?> la && b instanceof List<?> lb && la.size() == lb.size()) {
            for (int i = 0; i < la.size(); i++) {
                diff(path + "[" + i + "]", la.get(i), lb.get(i), out);
            }
        } else if (a == null ? b != null : !a.equals(b)) {
            out.add(path + ": " + a + " != " + b);
        }
    }
}
