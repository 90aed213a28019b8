package io.salience.protocol;

import io.salience.attribution.SaliencyQuery;
import io.salience.attribution.SaliencyResult;
import io.salience.model.LoadedModel;
import io.salience.model.ModelNotFoundException;
import io.salience.model.ModelStatus;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Open Inference Protocol (KServe v2) over {@link ProtocolService}: model metadata, and infer requests turned into
 * predictions or, when the request parameters name a saliency {@code method}, explanations.
 *
 * <p>Every model has one input, {@value #INPUT}, which takes FP32 {@code [N, H, W, C]} already preprocessed for the
 * model, UINT8 {@code [N, h, w, 1|3]} raw pixels of any size, or BYTES {@code [N]} image files; the last two are
 * preprocessed by the model's descriptor. Outputs: {@value #PROBABILITIES} and {@value #LOGITS} FP32 {@code [N, K]};
 * an explanation adds {@value #SALIENCY} FP32 {@code [N, h, w, c]} (the raw map), {@value #NORMALIZED} FP32
 * {@code [N, h, w]} and {@value #TARGET} INT32 {@code [N]} (the explained class).
 */
@Service
public class OpenInferenceService {

    static final String INPUT = "input";
    static final String PROBABILITIES = "probabilities";
    static final String LOGITS = "logits";
    static final String SALIENCY = "saliency";
    static final String NORMALIZED = "saliency_normalized";
    static final String TARGET = "target";

    /** Request parameters of the protocol and of Triton's client that are not saliency parameters. */
    private static final Set<String> RESERVED = Set.of(
            "binary_data_output", "sequence_id", "sequence_start", "sequence_end", "priority", "timeout", "headers");

    private final ProtocolService service;
    private final OpenInferenceCodec codec;

    public OpenInferenceService(ProtocolService service, JsonMapper json) {
        this.service = service;
        this.codec = new OpenInferenceCodec(json);
    }

    /** The server metadata of {@code GET /v2}. */
    public Map<String, Object> serverMetadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "salience");
        String version = OpenInferenceService.class.getPackage().getImplementationVersion();
        m.put("version", version == null ? "dev" : version);
        m.put("extensions", List.of("binary_tensor_data"));
        return m;
    }

    /** The model metadata of {@code GET /v2/models/{model}}. */
    public Map<String, Object> modelMetadata(String name, String version) {
        LoadedModel model = model(name, version);
        List<Integer> in = ProtocolService.inputShape(model);
        long k = model.classes();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", model.descriptor().name());
        m.put("versions", List.of(model.descriptor().version()));
        m.put("platform", "tensorflow_savedmodel");
        m.put("inputs", List.of(meta(INPUT, InferTensor.FP32, -1, in.get(0), in.get(1), in.get(2))));
        m.put("outputs", List.of(meta(PROBABILITIES, InferTensor.FP32, -1, k), meta(LOGITS, InferTensor.FP32, -1, k)));
        return m;
    }

    /** Whether the model is configured and ready; {@link ModelNotFoundException} when unknown. */
    public boolean modelReady(String name, String version) {
        ModelStatus status = service.status(name).orElseThrow(() -> new ModelNotFoundException(name));
        return status == ModelStatus.READY && versionMatches(service.model(name), version);
    }

    /**
     * Runs one infer request.
     *
     * @param name the model
     * @param version the version in the path, or null
     * @param body the request body
     * @param headerLength {@code Inference-Header-Content-Length}, or null for a JSON body
     */
    public OpenInferenceCodec.Encoded infer(String name, String version, byte[] body, Integer headerLength) {
        OpenInferenceCodec.Request req = codec.parse(body, headerLength);
        LoadedModel model = model(name, version);
        if (req.inputs().size() != 1 || !INPUT.equals(req.inputs().get(0).name())) {
            throw ProtocolException.badRequest("the model takes exactly one input, '" + INPUT + "'; got "
                    + req.inputs().stream().map(InferTensor::name).toList());
        }
        List<ModelInput> inputs = inputs(model, req.inputs().get(0));
        Map<String, String> params = new LinkedHashMap<>();
        req.parameters().forEach((k, v) -> {
            if (!RESERVED.contains(k)) {
                params.put(k, v instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue()) : v.toString());
            }
        });
        int n = inputs.size();
        Map<String, InferTensor> outputs = new LinkedHashMap<>();
        Map<String, Object> responseParams = new LinkedHashMap<>();
        if (params.containsKey("method")) {
            List<SaliencyResult> results = service.explain(name, inputs, params);
            explanationOutputs(results, outputs, responseParams);
        } else {
            Duration deadline = deadline(params);
            List<ProtocolService.Prediction> preds = service.predict(model, inputs, deadline);
            int k = model.classes();
            float[] p = new float[n * k];
            float[] z = new float[n * k];
            for (int i = 0; i < n; i++) {
                System.arraycopy(preds.get(i).probabilities(), 0, p, i * k, k);
                System.arraycopy(preds.get(i).logits(), 0, z, i * k, k);
            }
            outputs.put(PROBABILITIES, InferTensor.fp32(PROBABILITIES, new long[] {n, k}, p));
            outputs.put(LOGITS, InferTensor.fp32(LOGITS, new long[] {n, k}, z));
        }
        List<InferTensor> selected = new ArrayList<>();
        List<Boolean> binary = new ArrayList<>();
        if (req.outputs().isEmpty()) {
            for (InferTensor t : outputs.values()) {
                selected.add(t);
                binary.add(req.binaryOutput());
            }
        } else {
            for (OpenInferenceCodec.RequestedOutput o : req.outputs()) {
                InferTensor t = outputs.get(o.name());
                if (t == null) {
                    throw ProtocolException.badRequest(
                            "unknown output '" + o.name() + "'; this request has " + outputs.keySet());
                }
                selected.add(t);
                binary.add(o.binary());
            }
        }
        return codec.response(
                model.descriptor().name(), model.descriptor().version(), req.id(), responseParams, selected, binary);
    }

    private static void explanationOutputs(
            List<SaliencyResult> results, Map<String, InferTensor> outputs, Map<String, Object> responseParams) {
        int n = results.size();
        SaliencyResult first = results.get(0);
        int h = first.map().height();
        int w = first.map().width();
        int c = first.map().channels();
        int nh = first.normalized().height();
        int nw = first.normalized().width();
        float[] raw = new float[n * h * w * c];
        float[] norm = new float[n * nh * nw];
        int[] target = new int[n];
        for (int i = 0; i < n; i++) {
            SaliencyResult r = results.get(i);
            System.arraycopy(r.map().values(), 0, raw, i * h * w * c, h * w * c);
            System.arraycopy(r.normalized().values(), 0, norm, i * nh * nw, nh * nw);
            target[i] = r.target().index();
        }
        outputs.put(SALIENCY, InferTensor.fp32(SALIENCY, new long[] {n, h, w, c}, raw));
        outputs.put(NORMALIZED, InferTensor.fp32(NORMALIZED, new long[] {n, nh, nw}, norm));
        outputs.put(TARGET, InferTensor.int32(TARGET, new long[] {n}, target));
        responseParams.put("method", first.method());
        first.parameters().forEach((key, v) -> {
            if (!"target".equals(key) && v != null) {
                responseParams.put(key, v);
            }
        });
        responseParams.put(
                "targets",
                String.join(",", results.stream().map(r -> r.target().label()).toList()));
    }

    /** The request's images: FP32 preprocessed tensors, UINT8 raw pixels or BYTES image files. */
    List<ModelInput> inputs(LoadedModel model, InferTensor t) {
        long[] s = t.shape();
        List<Integer> in = ProtocolService.inputShape(model);
        List<ModelInput> out = new ArrayList<>();
        switch (t.datatype()) {
            case InferTensor.FP32 -> {
                if (s.length != 4 || s[1] != in.get(0) || s[2] != in.get(1) || s[3] != in.get(2)) {
                    throw ProtocolException.badRequest("FP32 input shape " + Arrays.toString(s) + " is not [N, "
                            + in.get(0) + ", " + in.get(1) + ", " + in.get(2) + "], the model's preprocessed input");
                }
                checkBatch(s[0]);
                float[] all = (float[]) t.data();
                int len = model.inputLength();
                for (int i = 0; i < s[0]; i++) {
                    out.add(new ModelInput.Preprocessed(Arrays.copyOfRange(all, i * len, (i + 1) * len)));
                }
            }
            case InferTensor.UINT8 -> {
                if (s.length != 4 || (s[3] != 1 && s[3] != 3) || s[1] < 1 || s[2] < 1) {
                    throw ProtocolException.badRequest(
                            "UINT8 input shape " + Arrays.toString(s) + " is not [N, height, width, 1 or 3]");
                }
                checkBatch(s[0]);
                if (s[1] * s[2] > service.maxPixels()) {
                    throw new ProtocolException(
                            413,
                            "images of " + s[2] + "x" + s[1] + " exceed " + service.maxPixels()
                                    + " pixels (salience.api.max-pixels)");
                }
                byte[] all = (byte[]) t.data();
                int h = (int) s[1];
                int w = (int) s[2];
                int c = (int) s[3];
                for (int i = 0; i < s[0]; i++) {
                    out.add(new ModelInput.Pixels(pixels(all, i * h * w * c, h, w, c)));
                }
            }
            case InferTensor.BYTES -> {
                if (s.length < 1 || s.length > 2 || (s.length == 2 && s[1] != 1)) {
                    throw ProtocolException.badRequest(
                            "BYTES input shape " + Arrays.toString(s) + " is not [N] or [N, 1] image files");
                }
                checkBatch(s[0]);
                @SuppressWarnings("unchecked")
                List<byte[]> files = (List<byte[]>) t.data();
                files.forEach(f -> out.add(new ModelInput.Encoded(f)));
            }
            default -> throw ProtocolException.badRequest("unsupported datatype " + t.datatype());
        }
        return out;
    }

    private void checkBatch(long n) {
        if (n < 1 || n > service.maxImages()) {
            throw ProtocolException.badRequest(
                    "the batch size must be 1.." + service.maxImages() + " (salience.api.max-images), got " + n);
        }
    }

    private static BufferedImage pixels(byte[] data, int offset, int h, int w, int c) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[w * h];
        for (int p = 0; p < w * h; p++) {
            int base = offset + p * c;
            int r = data[base] & 0xff;
            int g = c == 3 ? data[base + 1] & 0xff : r;
            int b = c == 3 ? data[base + 2] & 0xff : r;
            rgb[p] = (r << 16) | (g << 8) | b;
        }
        img.setRGB(0, 0, w, h, rgb, 0, w);
        return img;
    }

    private static Duration deadline(Map<String, String> params) {
        Map<String, String> rest = new LinkedHashMap<>(params);
        String timeout = rest.remove("timeoutMs");
        if (!rest.isEmpty()) {
            throw ProtocolException.badRequest("unknown parameters " + rest.keySet()
                    + " for a prediction; an explanation needs the parameter 'method'");
        }
        return timeout == null
                ? null
                : SaliencyQuery.of(Map.of("timeoutMs", timeout)).timeout();
    }

    private LoadedModel model(String name, String version) {
        LoadedModel model = service.model(name);
        if (!versionMatches(model, version)) {
            throw new ProtocolException(
                    404,
                    "model '" + name + "' has version " + model.descriptor().version() + ", not " + version);
        }
        return model;
    }

    private static boolean versionMatches(LoadedModel model, String version) {
        return version == null || version.equals(model.descriptor().version());
    }

    private static Map<String, Object> meta(String name, String datatype, long... shape) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("datatype", datatype);
        m.put("shape", shape);
        return m;
    }
}
