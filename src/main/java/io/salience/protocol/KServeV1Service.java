package io.salience.protocol;

import io.salience.attribution.SaliencyQuery;
import io.salience.attribution.SaliencyResult;
import io.salience.model.LoadedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * KServe's v1 protocol (TensorFlow Serving's REST format) over {@link ProtocolService}. Each of
 * {@code {"instances": [...]}} is an image file as {@code {"b64": "..."}}, preprocessed by the model's descriptor, or
 * a nested array {@code [H][W][C]} already preprocessed for the model. {@code :predict} answers
 * {@code {"predictions": [[p0, p1, ...], ...]}}, the class probabilities in label order; {@code :explain} takes the
 * saliency parameters in {@code "parameters"} and answers {@code {"explanations": [...]}}.
 */
@Service
public class KServeV1Service {

    private final ProtocolService service;
    private final JsonMapper json;

    public KServeV1Service(ProtocolService service, JsonMapper json) {
        this.service = service;
        this.json = json;
    }

    /** {@code POST /v1/models/{model}:predict}. */
    public Map<String, Object> predict(String name, byte[] body) {
        JsonNode root = parse(body);
        LoadedModel model = service.model(name);
        Map<String, String> params = parameters(root);
        String timeout = params.remove("timeoutMs");
        if (!params.isEmpty()) {
            throw ProtocolException.badRequest(
                    "unknown parameters " + params.keySet() + " for :predict; saliency parameters go to :explain");
        }
        Duration deadline = timeout == null
                ? null
                : SaliencyQuery.of(Map.of("timeoutMs", timeout)).timeout();
        List<ProtocolService.Prediction> preds = service.predict(model, instances(root, model), deadline);
        List<float[]> out = new ArrayList<>();
        preds.forEach(p -> out.add(p.probabilities()));
        return Map.of("predictions", out);
    }

    /** {@code POST /v1/models/{model}:explain}. */
    public Map<String, Object> explain(String name, byte[] body) {
        JsonNode root = parse(body);
        LoadedModel model = service.model(name);
        List<SaliencyResult> results = service.explain(name, instances(root, model), parameters(root));
        List<Map<String, Object>> out = new ArrayList<>();
        for (SaliencyResult r : results) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("method", r.method());
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("index", r.target().index());
            target.put("label", r.target().label());
            target.put("score", r.target().score());
            target.put("probability", r.target().probability());
            e.put("target", target);
            if (r.layer() != null) {
                e.put("layer", r.layer());
            }
            e.put("parameters", r.parameters());
            e.put("shape", r.map().shape());
            e.put(
                    "saliency",
                    nested(
                            r.map().values(),
                            r.map().height(),
                            r.map().width(),
                            r.map().channels()));
            e.put(
                    "normalized",
                    nested(
                            r.normalized().values(),
                            r.normalized().height(),
                            r.normalized().width(),
                            0));
            out.add(e);
        }
        return Map.of("explanations", out);
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ProtocolException.badRequest("the request has no body");
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw ProtocolException.badRequest("the request is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw ProtocolException.badRequest("the request must be a JSON object with 'instances'");
        }
        return root;
    }

    private static Map<String, String> parameters(JsonNode root) {
        Map<String, String> out = new LinkedHashMap<>();
        OpenInferenceCodec.parameters(root.path("parameters"), "parameters")
                .forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }

    private List<ModelInput> instances(JsonNode root, LoadedModel model) {
        JsonNode instances = root.path("instances");
        if (!instances.isArray() || instances.isEmpty()) {
            throw ProtocolException.badRequest("'instances' must be a non-empty array");
        }
        if (instances.size() > service.maxImages()) {
            throw ProtocolException.badRequest("at most " + service.maxImages() + " instances per request, got "
                    + instances.size() + " (salience.api.max-images)");
        }
        List<ModelInput> out = new ArrayList<>();
        for (JsonNode inst : instances) {
            if (inst.isObject() && inst.path("b64").isString()) {
                try {
                    out.add(new ModelInput.Encoded(
                            Base64.getDecoder().decode(inst.path("b64").asString())));
                } catch (IllegalArgumentException e) {
                    throw ProtocolException.badRequest("an instance's b64 is not base64 (" + e.getMessage() + ")");
                }
            } else if (inst.isArray()) {
                out.add(new ModelInput.Preprocessed(tensor(inst, model)));
            } else {
                throw ProtocolException.badRequest(
                        "each instance is {\"b64\": \"<image file>\"} or a nested array [H][W][C] of the"
                                + " preprocessed input " + ProtocolService.inputShape(model));
            }
        }
        return out;
    }

    private static float[] tensor(JsonNode inst, LoadedModel model) {
        List<Integer> shape = ProtocolService.inputShape(model);
        float[] out = new float[model.inputLength()];
        int[] filled = {0};
        if (!fill(inst, 0, shape, out, filled) || filled[0] != out.length) {
            throw ProtocolException.badRequest("a nested-array instance must have shape " + shape
                    + " (the model's preprocessed input) and hold numbers");
        }
        return out;
    }

    /** Copies a nested array of exactly {@code shape} into {@code out}; false on any mismatch. */
    private static boolean fill(JsonNode node, int depth, List<Integer> shape, float[] out, int[] filled) {
        if (depth == shape.size()) {
            if (!node.isNumber()) {
                return false;
            }
            out[filled[0]++] = node.floatValue();
            return true;
        }
        if (!node.isArray() || node.size() != shape.get(depth)) {
            return false;
        }
        for (JsonNode child : node) {
            if (!fill(child, depth + 1, shape, out, filled)) {
                return false;
            }
        }
        return true;
    }

    /** Row-major values as nested lists {@code [h][w][c]}, or {@code [h][w]} when {@code c} is 0. */
    private static List<Object> nested(float[] v, int h, int w, int c) {
        List<Object> rows = new ArrayList<>(h);
        for (int y = 0; y < h; y++) {
            List<Object> row = new ArrayList<>(w);
            for (int x = 0; x < w; x++) {
                if (c == 0) {
                    row.add(v[y * w + x]);
                } else {
                    float[] px = new float[c];
                    System.arraycopy(v, (y * w + x) * c, px, 0, c);
                    row.add(px);
                }
            }
            rows.add(row);
        }
        return rows;
    }
}
