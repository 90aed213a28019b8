package io.salience.engine;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphGetOpDef;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphGetTensorNumDims;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphGetTensorShape;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphOperationByName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphToGraphDef;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationOpType;

import com.google.protobuf.InvalidProtocolBufferException;
import org.tensorflow.internal.c_api.TF_Buffer;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.OpDef;

/** Small helpers over the TensorFlow C API; every native object they create is released before they return. */
final class Tf {

    private Tf() {}

    /** Throws an {@link EngineException} if the status is not OK. */
    static void check(TF_Status status, String what) {
        if (org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode(status) != 0) {
            String msg = org.tensorflow.internal.c_api.global.tensorflow.TF_Message(status)
                    .getString();
            throw new EngineException(what + ": " + msg);
        }
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
}
