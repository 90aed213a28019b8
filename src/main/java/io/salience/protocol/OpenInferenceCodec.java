package io.salience.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The wire format of the Open Inference Protocol's infer request and response (KServe v2, Triton HTTP): JSON tensors
 * and the binary tensor data extension, where a JSON header of {@code Inference-Header-Content-Length} bytes is
 * followed by the raw tensors (little-endian; BYTES elements each prefixed by a 4-byte little-endian length).
 * In JSON, BYTES elements are base64 strings, since image files are not UTF-8.
 */
final class OpenInferenceCodec {

    /** The header naming the length of the JSON part of a binary request or response. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    private final JsonMapper json;

    OpenInferenceCodec(JsonMapper json) {
        this.json = json;
    }

    /**
     * An output the client asked for.
     *
     * @param name the output name
     * @param binary whether it is answered as binary data
     */
    record RequestedOutput(String name, boolean binary) {}

    /**
     * A parsed infer request.
     *
     * @param id the request id, or null
     * @param parameters the request parameters (strings, numbers, booleans)
     * @param inputs the input tensors
     * @param outputs the requested outputs; empty means all
     * @param binaryOutput the request parameter {@code binary_data_output}
     */
    record Request(
            String id,
            Map<String, Object> parameters,
            List<InferTensor> inputs,
            List<RequestedOutput> outputs,
            boolean binaryOutput) {}

    /**
     * An encoded response.
     *
     * @param body the bytes
     * @param headerLength the JSON part's length when the body carries binary data, else null
     */
    record Encoded(byte[] body, Integer headerLength) {}

    /** Parses a request body; {@code headerLength} is the {@code Inference-Header-Content-Length}, or null. */
    Request parse(byte[] body, Integer headerLength) {
        if (body == null || body.length == 0) {
            throw ProtocolException.badRequest("the request has no body");
        }
        int jsonLength = headerLength == null ? body.length : headerLength;
        if (jsonLength < 0 || jsonLength > body.length) {
            throw ProtocolException.badRequest(
                    HEADER_LENGTH + " is " + headerLength + " but the body has " + body.length + " bytes");
        }
        JsonNode root;
        try {
            root = json.readTree(new String(body, 0, jsonLength, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw ProtocolException.badRequest("the request is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw ProtocolException.badRequest("the request must be a JSON object");
        }
        Map<String, Object> parameters = parameters(root.path("parameters"), "parameters");
        JsonNode inputs = root.path("inputs");
        if (!inputs.isArray() || inputs.isEmpty()) {
            throw ProtocolException.badRequest("'inputs' must be a non-empty array");
        }
        int offset = jsonLength;
        List<InferTensor> tensors = new ArrayList<>();
        for (JsonNode in : inputs) {
            String name = text(in, "name");
            String datatype = text(in, "datatype");
            long[] shape = shape(in.path("shape"), name);
            Map<String, Object> p = parameters(in.path("parameters"), "parameters of input '" + name + "'");
            long count = InferTensor.elements(shape);
            Object data;
            if (p.get("binary_data_size") instanceof Number size) {
                int n = size.intValue();
                if (n < 0 || offset + (long) n > body.length) {
                    throw ProtocolException.badRequest("input '" + name + "' has binary_data_size " + n + " but only "
                            + (body.length - offset) + " bytes follow the header");
                }
                data = binary(datatype, name, body, offset, n, count);
                offset += n;
            } else if (in.has("data")) {
                data = fromJson(datatype, name, in.path("data"), count);
            } else {
                throw ProtocolException.badRequest("input '" + name + "' has neither 'data' nor binary_data_size");
            }
            InferTensor t = new InferTensor(name, datatype, shape, data, p);
            if (t.length() != count) {
                throw ProtocolException.badRequest("input '" + name + "' has " + t.length() + " elements but shape "
                        + Arrays.toString(shape) + " holds " + count);
            }
            tensors.add(t);
        }
        if (offset != body.length) {
            throw ProtocolException.badRequest(
                    (body.length - offset) + " bytes of binary data follow the inputs that no input claims");
        }
        List<RequestedOutput> outputs = new ArrayList<>();
        JsonNode outs = root.path("outputs");
        if (!outs.isMissingNode() && !outs.isNull()) {
            if (!outs.isArray()) {
                throw ProtocolException.badRequest("'outputs' must be an array");
            }
            for (JsonNode o : outs) {
                String name = text(o, "name");
                Map<String, Object> p = parameters(o.path("parameters"), "parameters of output '" + name + "'");
                outputs.add(new RequestedOutput(name, Boolean.TRUE.equals(p.get("binary_data"))));
            }
        }
        String id = root.path("id").isString() ? root.path("id").asString() : null;
        return new Request(id, parameters, tensors, outputs, Boolean.TRUE.equals(parameters.get("binary_data_output")));
    }

    /**
     * Encodes a response: JSON alone, or when any output is binary, the JSON header followed by those outputs' data.
     *
     * @param model the model name
     * @param version the model version
     * @param id the request id, or null
     * @param parameters response parameters, may be empty
     * @param outputs the outputs
     * @param binary per output, whether it is answered as binary data
     */
    Encoded response(
            String model,
            String version,
            String id,
            Map<String, Object> parameters,
            List<InferTensor> outputs,
            List<Boolean> binary) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model_name", model);
        root.put("model_version", version);
        if (id != null) {
            root.put("id", id);
        }
        if (!parameters.isEmpty()) {
            root.put("parameters", parameters);
        }
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        List<Map<String, Object>> outs = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            InferTensor t = outputs.get(i);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", t.name());
            o.put("datatype", t.datatype());
            o.put("shape", t.shape());
            if (binary.get(i)) {
                byte[] raw = littleEndian(t.data());
                o.put("parameters", Map.of("binary_data_size", raw.length));
                tail.writeBytes(raw);
            } else {
                o.put("data", t.data());
            }
            outs.add(o);
        }
        root.put("outputs", outs);
        byte[] header = json.writeValueAsBytes(root);
        if (tail.size() == 0 && !binary.contains(Boolean.TRUE)) {
            return new Encoded(header, null);
        }
        byte[] body = Arrays.copyOf(header, header.length + tail.size());
        System.arraycopy(tail.toByteArray(), 0, body, header.length, tail.size());
        return new Encoded(body, header.length);
    }

    /** An error body of the protocol: {@code {"error": message}}. */
    static Map<String, String> error(String message) {
        return Map.of("error", message);
    }

    private static Object binary(String datatype, String name, byte[] body, int offset, int n, long count) {
        ByteBuffer buf = ByteBuffer.wrap(body, offset, n).order(ByteOrder.LITTLE_ENDIAN);
        return switch (datatype) {
            case InferTensor.FP32 -> {
                if (n != count * 4) {
                    throw ProtocolException.badRequest("input '" + name + "' is FP32 with " + count
                            + " elements, so binary_data_size must be " + count * 4 + ", got " + n);
                }
                float[] f = new float[(int) count];
                buf.asFloatBuffer().get(f);
                yield f;
            }
            case InferTensor.UINT8 -> {
                if (n != count) {
                    throw ProtocolException.badRequest("input '" + name + "' is UINT8 with " + count
                            + " elements, so binary_data_size must be " + count + ", got " + n);
                }
                yield Arrays.copyOfRange(body, offset, offset + n);
            }
            case InferTensor.BYTES -> {
                List<byte[]> items = new ArrayList<>();
                while (buf.hasRemaining()) {
                    if (buf.remaining() < 4) {
                        throw ProtocolException.badRequest("input '" + name + "': truncated BYTES length prefix");
                    }
                    int len = buf.getInt();
                    if (len < 0 || len > buf.remaining()) {
                        throw ProtocolException.badRequest(
                                "input '" + name + "': a BYTES element of " + len + " bytes overruns the binary data");
                    }
                    byte[] item = new byte[len];
                    buf.get(item);
                    items.add(item);
                }
                yield items;
            }
            default -> throw unsupported(name, datatype);
        };
    }

    private static Object fromJson(String datatype, String name, JsonNode data, long count) {
        List<JsonNode> flat = new ArrayList<>();
        flatten(data, flat);
        return switch (datatype) {
            case InferTensor.FP32 -> {
                float[] f = new float[flat.size()];
                for (int i = 0; i < f.length; i++) {
                    if (!flat.get(i).isNumber()) {
                        throw ProtocolException.badRequest("input '" + name + "' is FP32 but holds "
                                + flat.get(i).getNodeType().name().toLowerCase(Locale.ROOT));
                    }
                    f[i] = flat.get(i).floatValue();
                }
                yield f;
            }
            case InferTensor.UINT8 -> {
                byte[] b = new byte[flat.size()];
                for (int i = 0; i < b.length; i++) {
                    JsonNode v = flat.get(i);
                    if (!v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > 255) {
                        throw ProtocolException.badRequest("input '" + name + "' is UINT8 but holds " + v);
                    }
                    b[i] = (byte) v.asInt();
                }
                yield b;
            }
            case InferTensor.BYTES -> {
                List<byte[]> items = new ArrayList<>();
                for (JsonNode v : flat) {
                    if (!v.isString()) {
                        throw ProtocolException.badRequest("input '" + name + "' is BYTES: give base64 strings");
                    }
                    try {
                        items.add(Base64.getDecoder().decode(v.asString()));
                    } catch (IllegalArgumentException e) {
                        throw ProtocolException.badRequest(
                                "input '" + name + "': a BYTES element is not base64 (" + e.getMessage() + ")");
                    }
                }
                yield items;
            }
            default -> throw unsupported(name, datatype);
        };
    }

    private static ProtocolException unsupported(String name, String datatype) {
        return ProtocolException.badRequest("input '" + name + "' has datatype " + datatype
                + "; Salience takes FP32 (preprocessed NHWC), UINT8 (raw NHWC pixels) or BYTES (image files)");
    }

    private static void flatten(JsonNode node, List<JsonNode> out) {
        if (node.isArray()) {
            for (JsonNode child : node) {
                flatten(child, out);
            }
        } else {
            out.add(node);
        }
    }

    private static byte[] littleEndian(Object data) {
        if (data instanceof float[] f) {
            ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(f);
            return b.array();
        } else if (data instanceof int[] i) {
            ByteBuffer b = ByteBuffer.allocate(i.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(i);
            return b.array();
        } else if (data instanceof byte[] b) {
            return b;
        }
        throw new IllegalStateException("no binary form for " + data.getClass());
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (!v.isString() || v.asString().isEmpty()) {
            throw ProtocolException.badRequest("every tensor needs a string '" + field + "'");
        }
        return v.asString();
    }

    private static long[] shape(JsonNode node, String name) {
        if (!node.isArray()) {
            throw ProtocolException.badRequest("input '" + name + "' needs a 'shape' array");
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!node.get(i).isIntegralNumber()) {
                throw ProtocolException.badRequest("input '" + name + "' has a non-integer shape " + node);
            }
            shape[i] = node.get(i).asLong();
        }
        return shape;
    }

    /** A JSON parameters object as strings, numbers and booleans. */
    static Map<String, Object> parameters(JsonNode node, String where) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw ProtocolException.badRequest("'" + where + "' must be an object");
        }
        for (var e : node.properties()) {
            JsonNode v = e.getValue();
            if (v.isBoolean()) {
                out.put(e.getKey(), v.asBoolean());
            } else if (v.isIntegralNumber()) {
                out.put(e.getKey(), v.asLong());
            } else if (v.isNumber()) {
                out.put(e.getKey(), v.asDouble());
            } else if (v.isString()) {
                out.put(e.getKey(), v.asString());
            } else if (!v.isNull()) {
                throw ProtocolException.badRequest("'" + where + "' holds a " + v.getNodeType() + " under '"
                        + e.getKey() + "'; parameters are strings, numbers or booleans");
            }
        }
        return out;
    }
}
