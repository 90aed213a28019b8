package io.salience.engine;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationOutputConsumers;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationOutputNumConsumers;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationOutputType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrShape;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_UpdateEdge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Input;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;

/**
 * One variable of the randomisable copy: the {@code ReadVariableOp}s that read it, each followed by a
 * {@code PlaceholderWithDefault} that its consumers now read instead.
 *
 * @param info the variable
 * @param read one of its reads (fetched for the trained values)
 * @param feeds the placeholders, fed with the replacement values
 */
record WeightSlot(WeightInfo info, TF_Output read, List<TF_Output> feeds) {

    /**
     * Puts a {@code PlaceholderWithDefault} after every float {@code ReadVariableOp} of an outer variable among the
     * imported nodes; returns the slots, one per variable, in graph order.
     */
    static List<WeightSlot> insert(TF_Graph graph, Map<String, NodeDef> emitted, Map<String, NodeDef> nodes) {
        Map<String, WeightSlot> byVariable = new LinkedHashMap<>();
        int i = 0;
        for (NodeDef n : emitted.values()) {
            if (!n.getOp().equals("ReadVariableOp") || n.getInputCount() == 0) {
                continue;
            }
            NodeDef handle = nodes.get(opName(n.getInput(0)));
            if (handle == null || !handle.getOp().equals("VarHandleOp")) {
                continue;
            }
            TF_Output read = Tf.output(graph, n.getName() + ":0");
            if (TF_OperationOutputType(read) != Tf.DT_FLOAT) {
                continue;
            }
            long[] shape = Tf.shape(graph, read);
            if (shape == null || java.util.Arrays.stream(shape).anyMatch(d -> d < 0)) {
                continue;
            }
            List<TF_Input> consumers = consumers(read);
            if (consumers.isEmpty()) {
                continue;
            }
            TF_Output feed = Tf.add(
                    graph,
                    "PlaceholderWithDefault",
                    n.getName() + "/salience_weight_" + i++,
                    d -> {
                        TF_SetAttrType(d, "dtype", Tf.DT_FLOAT);
                        TF_SetAttrShape(d, "shape", shape, shape.length);
                    },
                    read);
            try (TF_Status status = TF_Status.newStatus()) {
                for (TF_Input c : consumers) {
                    TF_UpdateEdge(graph, feed, c, status);
                    Tf.check(status, "Cannot route weight " + n.getName() + " through a placeholder");
                }
            }
            String variable = variableName(handle);
            WeightSlot slot = byVariable.get(variable);
            if (slot == null) {
                String layer = ModelGraph.layerPath(Tf.name(consumers.get(0).oper()));
                byVariable.put(
                        variable, new WeightSlot(new WeightInfo(variable, layer, shape), read, new ArrayList<>()));
                slot = byVariable.get(variable);
            }
            slot.feeds().add(feed);
        }
        List<WeightSlot> out = new ArrayList<>();
        byVariable.values().forEach(s -> out.add(new WeightSlot(s.info(), s.read(), List.copyOf(s.feeds()))));
        return out;
    }

    private static List<TF_Input> consumers(TF_Output out) {
        int count = TF_OperationOutputNumConsumers(out);
        List<TF_Input> targets = new ArrayList<>(count);
        if (count == 0) {
            return targets;
        }
        try (TF_Input consumers = new TF_Input(count)) {
            TF_OperationOutputConsumers(out, consumers, count);
            for (int c = 0; c < count; c++) {
                TF_Input in = consumers.getPointer(c);
                targets.add(new TF_Input().oper(in.oper()).index(in.index()));
            }
        }
        return targets;
    }

    private static String variableName(NodeDef handle) {
        AttrValue shared = handle.getAttrMap().get("shared_name");
        String s = shared == null ? "" : shared.getS().toStringUtf8();
        return s.isEmpty() ? handle.getName() : s;
    }

    private static String opName(String tensor) {
        String t = tensor.startsWith("^") ? tensor.substring(1) : tensor;
        int colon = t.lastIndexOf(':');
        return colon > 0 ? t.substring(0, colon) : t;
    }
}
