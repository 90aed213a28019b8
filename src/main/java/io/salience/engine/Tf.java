package io.salience.engine;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_AddInput;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_AllocateTensor;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteTensor;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_FinishOperation;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphGetOpDef;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphGetTensorNumDims;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphGetTensorShape;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphNextOperation;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphOperationByName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphToGraphDef;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewOperation;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationGetAttrBool;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationGetAttrFloat;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationGetAttrIntList;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationGetAttrMetadata;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationGetAttrString;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationGetAttrType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationInput;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationOpType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationOutputConsumers;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationOutputNumConsumers;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrTensor;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrValueProto;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_StringGetDataPointer;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_StringGetSize;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_TensorByteSize;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_TensorData;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_TensorType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_UpdateEdge;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.internal.c_api.TF_AttrMetadata;
import org.tensorflow.internal.c_api.TF_Buffer;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Input;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.TF_OperationDescription;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.TF_TString;
import org.tensorflow.internal.c_api.TF_Tensor;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/** Small helpers over the TensorFlow C API; every native object they create is released before they return. */
final class Tf {

    private static final Logger log = LoggerFactory.getLogger(Tf.class);

    static final int DT_FLOAT = 1;
    static final int DT_INT32 = 3;
    static final int DT_STRING = 7;
    static final int DT_INT64 = 9;
    static final int DT_BOOL = 10;
    /** {@code TF_NOT_FOUND}, e.g. a key missing from a checkpoint. */
    static final int NOT_FOUND = 5;

    private static final Pattern NODE_REFS = Pattern.compile("\\s*\\[\\[.*?]]|\\{\\{[^}]*}}\\s*");
    private static final Pattern CPP_TYPES = Pattern.compile("/?\\bN\\d+tensorflow\\w*");

    private Tf() {}

    /** A failed TensorFlow call; the message is {@link #plain plain}, the raw TensorFlow text is kept apart. */
    static final class TfException extends EngineException {
        private static final long serialVersionUID = 1L;
        private final int code;
        private final String raw;

        TfException(String what, int code, String raw) {
            super(what + ": " + plain(raw));
            this.code = code;
            this.raw = raw;
        }

        /** The TensorFlow status code ({@code TF_Code}). */
        int code() {
            return code;
        }

        /** TensorFlow's own message, with node paths and C++ type names. */
        String raw() {
            return raw;
        }
    }

    /** Throws a {@link TfException} if the status is not OK; TensorFlow's own text goes to the debug log. */
    static void check(TF_Status status, String what) {
        int code = org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode(status);
        if (code != 0) {
            String msg = org.tensorflow.internal.c_api.global.tensorflow.TF_Message(status)
                    .getString();
            log.debug("{}: TensorFlow status {}: {}", what, code, msg);
            throw new TfException(what, code, msg);
        }
    }

    /**
     * TensorFlow's error text for people: its first line, without node references ({@code [[{{node ...}}]]}),
     * the {@code Debug info} tail and C++ type names such as {@code N10tensorflow3VarE}.
     */
    static String plain(String raw) {
        String text = raw == null ? "" : raw.strip();
        text = NODE_REFS.matcher(text).replaceAll(" ");
        for (String tail : new String[] {" This could mean", " Debug info:", "\n"}) {
            int cut = text.indexOf(tail);
            if (cut > 0) {
                text = text.substring(0, cut);
            }
        }
        text = CPP_TYPES.matcher(text).replaceAll("");
        text = text.replaceAll("\\s+", " ").strip();
        while (text.endsWith(".") || text.endsWith(":")) {
            text = text.substring(0, text.length() - 1);
        }
        return text.isEmpty() ? "TensorFlow gave no reason" : text;
    }

    static GraphDef graphDef(TF_Graph graph) {
        try (TF_Buffer buf = TF_Buffer.newBuffer();
                TF_Status status = TF_Status.newStatus()) {
            TF_GraphToGraphDef(graph, buf, status);
            check(status, "Cannot serialise the graph");
            return GraphDef.parseFrom(buf.dataAsByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new EngineException("Cannot parse the graph", e);
        }
    }

    static OpDef opDef(TF_Graph graph, String opType) {
        try (TF_Buffer buf = TF_Buffer.newBuffer();
                TF_Status status = TF_Status.newStatus()) {
            TF_GraphGetOpDef(graph, opType, buf, status);
            check(status, "Unknown op type " + opType);
            return OpDef.parseFrom(buf.dataAsByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new EngineException("Cannot parse the definition of op " + opType, e);
        }
    }

    static TF_Operation op(TF_Graph graph, String name) {
        TF_Operation op = TF_GraphOperationByName(graph, name);
        if (op == null || op.isNull()) {
            throw new EngineException("No operation named " + name + " in the graph");
        }
        return op;
    }

    /** The output {@code name:index} (index 0 when omitted). */
    static TF_Output output(TF_Graph graph, String tensorName) {
        int colon = tensorName.lastIndexOf(':');
        String opName = tensorName;
        int index = 0;
        if (colon > 0 && tensorName.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            opName = tensorName.substring(0, colon);
            index = Integer.parseInt(tensorName.substring(colon + 1));
        }
        return new TF_Output().oper(op(graph, opName)).index(index);
    }

    static String name(TF_Operation op) {
        return TF_OperationName(op).getString();
    }

    static String type(TF_Operation op) {
        return TF_OperationOpType(op).getString();
    }

    /** Static shape of a graph tensor; -1 for unknown dimensions, null for unknown rank. */
    static long[] shape(TF_Graph graph, TF_Output out) {
        try (TF_Status status = TF_Status.newStatus()) {
            int rank = TF_GraphGetTensorNumDims(graph, out, status);
            check(status, "Cannot read a tensor rank");
            if (rank < 0) {
                return null;
            }
            long[] dims = new long[rank];
            TF_GraphGetTensorShape(graph, out, dims, rank, status);
            check(status, "Cannot read a tensor shape");
            return dims;
        }
    }

    /** Points every consumer of {@code from} at {@code to}. */
    static void redirect(TF_Graph graph, TF_Output from, TF_Output to) {
        int count = TF_OperationOutputNumConsumers(from);
        if (count == 0) {
            return;
        }
        List<TF_Input> targets = new ArrayList<>(count);
        try (TF_Input consumers = new TF_Input(count)) {
            TF_OperationOutputConsumers(from, consumers, count);
            for (int c = 0; c < count; c++) {
                TF_Input in = consumers.getPointer(c);
                targets.add(new TF_Input().oper(in.oper()).index(in.index()));
            }
        }
        try (TF_Status status = TF_Status.newStatus()) {
            for (TF_Input in : targets) {
                TF_UpdateEdge(graph, to, in, status);
                Tf.check(status, "Cannot rewire " + Tf.name(in.oper()));
            }
        }
    }

    static float attrFloat(TF_Operation g, String name) {
        try (TF_Status status = TF_Status.newStatus();
                FloatPointer v = new FloatPointer(1)) {
            TF_OperationGetAttrFloat(g, name, v, status);
            Tf.check(status, "Cannot read " + name);
            return v.get();
        }
    }

    static String attrString(TF_Operation g, String name) {
        try (TF_Status status = TF_Status.newStatus()) {
            TF_AttrMetadata meta = TF_OperationGetAttrMetadata(g, name, status);
            Tf.check(status, "Cannot read " + name);
            int n = (int) meta.total_size();
            try (BytePointer buf = new BytePointer(Math.max(1, n))) {
                TF_OperationGetAttrString(g, name, buf, n, status);
                Tf.check(status, "Cannot read " + name);
                byte[] bytes = new byte[n];
                buf.get(bytes);
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }
    }

    static TF_Output input(TF_Operation op, int index) {
        TF_Output in = TF_OperationInput(new TF_Input().oper(op).index(index));
        return new TF_Output().oper(in.oper()).index(in.index());
    }

    /** A float32 scalar constant. */
    static TF_Output scalar(TF_Graph graph, String name, float value) {
        TF_Tensor t = TF_AllocateTensor(DT_FLOAT, new long[0], 0, Float.BYTES);
        try (TF_Status status = TF_Status.newStatus()) {
            new FloatPointer(TF_TensorData(t)).put(value);
            TF_OperationDescription d = TF_NewOperation(graph, "Const", name);
            TF_SetAttrType(d, "dtype", DT_FLOAT);
            TF_SetAttrTensor(d, "value", t, status);
            Tf.check(status, "Cannot set " + name);
            return finish(d, name);
        } finally {
            TF_DeleteTensor(t);
        }
    }

    /** Adds an op with the given inputs and its first output. */
    static TF_Output add(TF_Graph graph, String type, String name, TF_Output... inputs) {
        return add(graph, type, name, d -> {}, inputs);
    }

    /** Adds an op with the given inputs and attributes; returns its first output. */
    static TF_Output add(
            TF_Graph graph,
            String type,
            String name,
            java.util.function.Consumer<TF_OperationDescription> attrs,
            TF_Output... inputs) {
        TF_OperationDescription d = TF_NewOperation(graph, type, name);
        for (TF_Output in : inputs) {
            TF_AddInput(d, in);
        }
        attrs.accept(d);
        return finish(d, name);
    }

    /** A string constant: a scalar when {@code vector} is false (one value), else a 1-D tensor. */
    static TF_Output strings(TF_Graph graph, String name, boolean vector, String... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_STRING);
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        if (vector) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(values.length));
        } else if (values.length != 1) {
            throw new IllegalArgumentException("A scalar holds one value");
        }
        t.setTensorShape(shape);
        for (String v : values) {
            t.addStringVal(com.google.protobuf.ByteString.copyFromUtf8(v));
        }
        byte[] attr = AttrValue.newBuilder().setTensor(t).build().toByteArray();
        TF_OperationDescription d = TF_NewOperation(graph, "Const", name);
        TF_SetAttrType(d, "dtype", DT_STRING);
        try (TF_Status status = TF_Status.newStatus();
                BytePointer bytes = new BytePointer(attr)) {
            TF_SetAttrValueProto(d, "value", bytes, attr.length, status);
            check(status, "Cannot set " + name);
        }
        return finish(d, name);
    }

    /** Element {@code i} of a string tensor, as bytes. */
    static byte[] stringAt(TF_Tensor t, int i) {
        if (TF_TensorType(t) != DT_STRING) {
            throw new EngineException("Fetched tensor is not a string");
        }
        TF_TString s = new TF_TString(TF_TensorData(t)).position(i);
        long n = TF_StringGetSize(s);
        byte[] out = new byte[Math.toIntExact(n)];
        if (n > 0) {
            TF_StringGetDataPointer(s).capacity(n).get(out);
        }
        return out;
    }

    /** The values of a bool tensor. */
    static boolean[] bools(TF_Tensor t) {
        if (TF_TensorType(t) != DT_BOOL) {
            throw new EngineException("Fetched tensor is not bool");
        }
        int n = Math.toIntExact(TF_TensorByteSize(t));
        BytePointer data = new BytePointer(TF_TensorData(t)).capacity(n);
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) {
            out[i] = data.get(i) != 0;
        }
        return out;
    }

    /** The values of a float32 tensor. */
    static float[] floats(TF_Tensor t) {
        if (TF_TensorType(t) != DT_FLOAT) {
            throw new EngineException("Fetched tensor is not float32");
        }
        int n = Math.toIntExact(TF_TensorByteSize(t) / Float.BYTES);
        float[] out = new float[n];
        new FloatPointer(TF_TensorData(t)).capacity(n).get(out);
        return out;
    }

    /** The values of an int64 tensor. */
    static long[] longs(TF_Tensor t) {
        if (TF_TensorType(t) != DT_INT64) {
            throw new EngineException("Fetched tensor is not int64");
        }
        int n = Math.toIntExact(TF_TensorByteSize(t) / Long.BYTES);
        long[] out = new long[n];
        new org.bytedeco.javacpp.LongPointer(TF_TensorData(t)).capacity(n).get(out);
        return out;
    }

    /** A scalar int32 constant. */
    static TF_Output intScalar(TF_Graph graph, String name, long value) {
        return ints(graph, name, new long[0], new long[] {value});
    }

    /** A 1-D int32 constant. */
    static TF_Output ints(TF_Graph graph, String name, long... values) {
        return ints(graph, name, new long[] {values.length}, values);
    }

    /** A {@code [n, 2]} int32 constant: the paddings of a {@code Pad}, before and after for each dimension. */
    static TF_Output paddings(TF_Graph graph, String name, long... beforeAfter) {
        return ints(graph, name, new long[] {beforeAfter.length / 2, 2}, beforeAfter);
    }

    private static TF_Output ints(TF_Graph graph, String name, long[] shape, long[] values) {
        TF_Tensor t = TF_AllocateTensor(DT_INT32, shape, shape.length, (long) values.length * Integer.BYTES);
        try (TF_Status status = TF_Status.newStatus();
                IntPointer data = new IntPointer(TF_TensorData(t))) {
            for (int i = 0; i < values.length; i++) {
                data.put(i, Math.toIntExact(values[i]));
            }
            TF_OperationDescription d = TF_NewOperation(graph, "Const", name);
            TF_SetAttrType(d, "dtype", DT_INT32);
            TF_SetAttrTensor(d, "value", t, status);
            check(status, "Cannot set " + name);
            return finish(d, name);
        } finally {
            TF_DeleteTensor(t);
        }
    }

    static boolean attrBool(TF_Operation op, String name) {
        try (TF_Status status = TF_Status.newStatus();
                BytePointer v = new BytePointer(1)) {
            TF_OperationGetAttrBool(op, name, v, status);
            check(status, "Cannot read " + name);
            return v.get() != 0;
        }
    }

    static int attrType(TF_Operation op, String name) {
        try (TF_Status status = TF_Status.newStatus();
                IntPointer v = new IntPointer(1)) {
            TF_OperationGetAttrType(op, name, v, status);
            check(status, "Cannot read " + name);
            return v.get();
        }
    }

    /** An int-list attribute; an empty array when the op does not have it. */
    static long[] attrInts(TF_Operation op, String name) {
        try (TF_Status status = TF_Status.newStatus()) {
            TF_AttrMetadata meta = TF_OperationGetAttrMetadata(op, name, status);
            if (org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode(status) != 0 || meta.list_size() <= 0) {
                return new long[0];
            }
            int n = (int) meta.list_size();
            long[] out = new long[n];
            TF_OperationGetAttrIntList(op, name, out, n, status);
            check(status, "Cannot read " + name);
            return out;
        }
    }

    static TF_Output finish(TF_OperationDescription d, String name) {
        try (TF_Status status = TF_Status.newStatus()) {
            TF_Operation op = TF_FinishOperation(d, status);
            Tf.check(status, "Cannot add " + name);
            return new TF_Output().oper(op).index(0);
        }
    }

    /** Operations of the given types whose names start with {@code prefix/}, in graph order. */
    static List<TF_Operation> ops(TF_Graph graph, String prefix, java.util.Set<String> types) {
        List<TF_Operation> found = new ArrayList<>();
        try (SizeTPointer pos = new SizeTPointer(1)) {
            pos.put(0);
            TF_Operation op;
            while ((op = TF_GraphNextOperation(graph, pos)) != null && !op.isNull()) {
                if (types.contains(type(op)) && name(op).startsWith(prefix + "/")) {
                    found.add(op);
                }
            }
        }
        return found;
    }

    /** The first consumer of {@code out} whose op type is {@code type}, or null. */
    static TF_Operation consumer(TF_Output out, String type) {
        int count = TF_OperationOutputNumConsumers(out);
        if (count == 0) {
            return null;
        }
        try (TF_Input consumers = new TF_Input(count)) {
            TF_OperationOutputConsumers(out, consumers, count);
            for (int c = 0; c < count; c++) {
                TF_Operation op = consumers.getPointer(c).oper();
                if (type(op).equals(type)) {
                    return op;
                }
            }
        }
        return null;
    }
}
