package io.salience.engine;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrTypeList;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedConcreteFunction;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObjectGraph;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.ObjectReference;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.SerializedTensor;

/**
 * Gives a value to every variable the serving signature reads that TensorFlow's TF1 session loader left without one,
 * the way {@code tf.saved_model.load} restores variables.
 *
 * <p>The TF1 loader runs the SavedModel's saver, which restores the variables the saver's own function captured.
 * Some exports hold other handles for the same weights (Keras 3 after {@code compile} + {@code fit} saved with
 * {@code tf.saved_model.save}: the checkpoint keys go through the optimizer, the signature reads handles the saver
 * never fills), and the first session run fails. {@code tf.saved_model.load} does not go by names: it walks the
 * SavedObjectGraph and the checkpoint's own object graph ({@code _CHECKPOINTABLE_OBJECT_GRAPH}) from their roots by
 * child name and restores each variable from its node's {@code VARIABLE_VALUE} key. This class does the same inside
 * the model's own graph and session: the signature's variable handles are mapped to SavedObjectGraph nodes through
 * the captured inputs ({@code bound_inputs}) of the concrete functions the graph calls, then to checkpoint keys, and
 * restored with {@code RestoreV2} + {@code AssignVariableOp}.
 */
final class ObjectGraphRestore {

    private static final Logger log = LoggerFactory.getLogger(ObjectGraphRestore.class);
    private static final String SCOPE = "salience/restore";
    private static final String OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH";
    private static final Set<String> CALLS = Set.of("StatefulPartitionedCall", "PartitionedCall");

    private final TF_Graph graph;
    private final TF_Session session;
    private final MetaGraphDef meta;
    private final String checkpointPrefix;
    private final Map<String, NodeDef> nodes = new HashMap<>();
    private int nextRestore;

    /**
     * @param graph the model's graph, as the TF1 loader left it
     * @param session the model's session
     * @param meta the loaded MetaGraphDef
     * @param checkpointPrefix the checkpoint, {@code <SavedModel>/variables/variables}
     */
    ObjectGraphRestore(TF_Graph graph, TF_Session session, MetaGraphDef meta, String checkpointPrefix) {
        this.graph = graph;
        this.session = session;
        this.meta = meta;
        this.checkpointPrefix = checkpointPrefix;
        for (NodeDef n : meta.getGraphDef().getNodeList()) {
            nodes.put(n.getName(), n);
        }
    }

    /**
     * Restores the signature's variables the TF1 loader left unset.
     *
     * @return the names of the variables restored here (empty when the TF1 loader restored them all)
     * @throws EngineException one sentence naming the variable that still has no value, and why
     */
    List<String> restore(SignatureDef signature) {
        List<NodeDef> handles = variablesRead(signature);
        if (handles.isEmpty()) {
            return List.of();
        }
        List<NodeDef> unset = uninitialised(handles);
        if (unset.isEmpty()) {
            return List.of();
        }
        log.debug("The TF1 loader left {} of {} variables unset: {}", unset.size(), handles.size(), names(unset));
        Map<String, Integer> savedNode = savedNodesOfHandles();
        for (NodeDef h : unset) {
            if (!savedNode.containsKey(h.getName())) {
                throw noValue(variableName(h), "no concrete function of the SavedObjectGraph captures it");
            }
        }
        TrackableObjectGraph checkpoint = checkpointObjectGraph(unset.get(0));
        Map<Integer, Integer> checkpointNode = matchObjectGraphs(checkpoint);
        List<String> keys = new ArrayList<>();
        for (NodeDef h : unset) {
            Integer id = checkpointNode.get(savedNode.get(h.getName()));
            String key = id == null ? null : valueKey(checkpoint.getNodes(id));
            if (key == null) {
                throw noValue(variableName(h), "its checkpoint object has no VARIABLE_VALUE");
            }
            keys.add(key);
        }
        assign(unset, keys);
        checkShapes(unset);
        return names(unset);
    }

    // ---------------------------------------------------------------- which variables

    /** VarHandleOps the signature's outputs depend on in the outer graph. */
    private List<NodeDef> variablesRead(SignatureDef signature) {
        Deque<String> todo = new ArrayDeque<>();
        for (TensorInfo t : signature.getOutputsMap().values()) {
            todo.add(opName(t.getName()));
        }
        Set<String> seen = new HashSet<>();
        List<NodeDef> handles = new ArrayList<>();
        while (!todo.isEmpty()) {
            String name = todo.pop();
            NodeDef n = nodes.get(name);
            if (n == null || !seen.add(name)) {
                continue;
            }
            if (n.getOp().equals("VarHandleOp")) {
                handles.add(n);
            }
            for (String in : n.getInputList()) {
                todo.add(opName(in));
            }
        }
        handles.sort((a, b) -> a.getName().compareTo(b.getName()));
        return handles;
    }

    private List<NodeDef> uninitialised(List<NodeDef> handles) {
        List<TF_Output> checks = new ArrayList<>();
        for (int i = 0; i < handles.size(); i++) {
            checks.add(Tf.add(
                    graph,
                    "VarIsInitializedOp",
                    SCOPE + "/is_initialized_" + i,
                    Tf.output(graph, handles.get(i).getName())));
        }
        boolean[] set = SessionRunner.runRaw(session, checks, List.of(), "Cannot check the variables", out -> {
            boolean[] b = new boolean[out.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = Tf.bools(out.get(i))[0];
            }
            return b;
        });
        List<NodeDef> unset = new ArrayList<>();
        for (int i = 0; i < set.length; i++) {
            if (!set[i]) {
                unset.add(handles.get(i));
            }
        }
        return unset;
    }

    // ---------------------------------------------------------------- object graphs

    /** Handle op name -> SavedObjectGraph node, through the captured inputs of every concrete function called. */
    private Map<String, Integer> savedNodesOfHandles() {
        SavedObjectGraph objects = meta.getObjectGraphDef();
        Map<String, Integer> out = new HashMap<>();
        for (NodeDef n : meta.getGraphDef().getNodeList()) {
            String fn = CALLS.contains(n.getOp()) && n.containsAttr("f")
                    ? n.getAttrOrThrow("f").getFunc().getName()
                    : n.getOp();
            SavedConcreteFunction cf = objects.getConcreteFunctionsMap().get(fn);
            if (cf == null) {
                continue;
            }
            List<String> data =
                    n.getInputList().stream().filter(in -> !in.startsWith("^")).toList();
            int bound = cf.getBoundInputsCount();
            for (int j = 0; j < bound && j < data.size(); j++) {
                String handle = opName(data.get(data.size() - bound + j));
                int node = cf.getBoundInputs(j);
                if (node < objects.getNodesCount()
                        && objects.getNodes(node).getKindCase() == SavedObject.KindCase.VARIABLE) {
                    out.putIfAbsent(handle, node);
                }
            }
        }
        return out;
    }

    /**
     * SavedObjectGraph node -> checkpoint object graph node, by walking both from their roots along child names (as
     * TensorFlow's checkpoint restore binds objects).
     */
    private Map<Integer, Integer> matchObjectGraphs(TrackableObjectGraph checkpoint) {
        SavedObjectGraph saved = meta.getObjectGraphDef();
        Map<Integer, Integer> match = new HashMap<>();
        Deque<int[]> todo = new ArrayDeque<>();
        todo.add(new int[] {0, 0});
        while (!todo.isEmpty()) {
            int[] pair = todo.pop();
            if (pair[0] >= saved.getNodesCount()
                    || pair[1] >= checkpoint.getNodesCount()
                    || match.putIfAbsent(pair[0], pair[1]) != null) {
                continue;
            }
            Map<String, Integer> children = new HashMap<>();
            for (ObjectReference c : checkpoint.getNodes(pair[1]).getChildrenList()) {
                children.putIfAbsent(c.getLocalName(), c.getNodeId());
            }
            for (var c : saved.getNodes(pair[0]).getChildrenList()) {
                Integer other = children.get(c.getLocalName());
                if (other != null) {
                    todo.add(new int[] {c.getNodeId(), other});
                }
            }
        }
        return match;
    }

    /** The checkpoint's object graph, read with {@code RestoreV2} in the model's session. */
    private TrackableObjectGraph checkpointObjectGraph(NodeDef forError) {
        TF_Output value = restoreOp("object_graph", OBJECT_GRAPH_KEY, Tf.DT_STRING);
        byte[] bytes;
        try {
            bytes = SessionRunner.runRaw(
                    session,
                    List.of(value),
                    List.of(),
                    "Cannot read the checkpoint's object graph",
                    out -> Tf.stringAt(out.get(0), 0));
        } catch (Tf.TfException e) {
            if (e.code() == Tf.NOT_FOUND) {
                throw noValue(variableName(forError), "the checkpoint has no object graph");
            }
            throw e;
        }
        try {
            return TrackableObjectGraph.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new EngineException("the checkpoint's object graph cannot be parsed", e);
        }
    }

    private static String valueKey(TrackableObject node) {
        for (SerializedTensor t : node.getAttributesList()) {
            if (t.getName().equals("VARIABLE_VALUE")) {
                return t.getCheckpointKey();
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- restoring

    private void assign(List<NodeDef> unset, List<String> keys) {
        List<TF_Operation> assigns = new ArrayList<>();
        for (int i = 0; i < unset.size(); i++) {
            NodeDef h = unset.get(i);
            int dtype = h.getAttrOrThrow("dtype").getTypeValue();
            TF_Output value = restoreOp("value_" + i, keys.get(i), dtype);
            TF_Output handle = Tf.output(graph, h.getName());
            assigns.add(Tf.add(
                            graph,
                            "AssignVariableOp",
                            SCOPE + "/assign_" + i,
                            d -> TF_SetAttrType(d, "dtype", dtype),
                            handle,
                            value)
                    .oper());
        }
        try {
            SessionRunner.runRaw(session, List.of(), assigns, "Cannot restore the variables", out -> null);
        } catch (Tf.TfException all) {
            // find the variable that fails, for a sentence that names it
            for (int i = 0; i < assigns.size(); i++) {
                try {
                    SessionRunner.runRaw(
                            session, List.of(), List.of(assigns.get(i)), "Cannot restore a variable", out -> null);
                } catch (Tf.TfException one) {
                    throw cannotRestore(unset.get(i), one);
                }
            }
            throw all;
        }
    }

    private EngineException cannotRestore(NodeDef h, Tf.TfException e) {
        log.debug("Restoring {} failed: {}", h.getName(), e.raw());
        if (e.code() == Tf.NOT_FOUND) {
            return noValue(variableName(h), "its checkpoint key is missing");
        }
        return new EngineException(
                "variable " + variableName(h) + " cannot be restored from the checkpoint: " + Tf.plain(e.raw()), e);
    }

    private void checkShapes(List<NodeDef> restored) {
        List<TF_Output> shapes = new ArrayList<>();
        for (int i = 0; i < restored.size(); i++) {
            NodeDef h = restored.get(i);
            shapes.add(Tf.add(
                    graph,
                    "VariableShape",
                    SCOPE + "/shape_" + i,
                    d -> TF_SetAttrType(d, "out_type", Tf.DT_INT64),
                    Tf.output(graph, h.getName())));
        }
        List<long[]> got =
                SessionRunner.runRaw(session, shapes, List.of(), "Cannot read the variables' shapes", out -> {
                    List<long[]> s = new ArrayList<>();
                    out.forEach(t -> s.add(Tf.longs(t)));
                    return s;
                });
        for (int i = 0; i < restored.size(); i++) {
            long[] expected = declaredShape(restored.get(i));
            if (expected != null && !Arrays.equals(expected, got.get(i))) {
                throw new EngineException("variable " + variableName(restored.get(i)) + " has shape "
                        + Arrays.toString(got.get(i)) + " in the checkpoint but the model expects "
                        + Arrays.toString(expected));
            }
        }
    }

    /** The handle's static shape, or null when some dimension is unknown. */
    private static long[] declaredShape(NodeDef h) {
        AttrValue a = h.getAttrMap().get("shape");
        if (a == null || a.getShape().getUnknownRank()) {
            return null;
        }
        List<TensorShapeProto.Dim> dims = a.getShape().getDimList();
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dims.get(i).getSize();
            if (out[i] < 0) {
                return null;
            }
        }
        return out;
    }

    /** {@code RestoreV2} of one checkpoint key as {@code dtype}. */
    private TF_Output restoreOp(String name, String key, int dtype) {
        String scope = SCOPE + "/" + name + "_" + nextRestore++;
        TF_Output prefix = Tf.strings(graph, scope + "/prefix", false, checkpointPrefix);
        TF_Output names = Tf.strings(graph, scope + "/tensor_names", true, key);
        TF_Output slices = Tf.strings(graph, scope + "/shape_and_slices", true, "");
        return Tf.add(
                graph,
                "RestoreV2",
                scope + "/RestoreV2",
                d -> TF_SetAttrTypeList(d, "dtypes", new int[] {dtype}, 1),
                prefix,
                names,
                slices);
    }

    // ---------------------------------------------------------------- names

    private static EngineException noValue(String variable, String why) {
        log.debug("Variable {} has no value: {}", variable, why);
        return new EngineException("variable " + variable + " has no value in the checkpoint");
    }

    /** The variable's own name ({@code shared_name}, else the op name). */
    static String variableName(NodeDef handle) {
        AttrValue shared = handle.getAttrMap().get("shared_name");
        String s = shared == null ? "" : shared.getS().toStringUtf8();
        return s.isEmpty() ? handle.getName() : s;
    }

    private static List<String> names(List<NodeDef> handles) {
        List<String> out = new ArrayList<>();
        handles.forEach(h -> out.add(variableName(h)));
        return out;
    }

    private static String opName(String tensor) {
        String t = tensor.startsWith("^") ? tensor.substring(1) : tensor;
        int colon = t.indexOf(':');
        return colon > 0 ? t.substring(0, colon) : t;
    }

    /**
     * The variable a checkpoint key belongs to, by walking the SavedObjectGraph along the key's object path (e.g.
     * {@code optimizer/_trainable_variables/5/.ATTRIBUTES/VARIABLE_VALUE}); null when the path leads nowhere.
     */
    static String variableOfKey(SavedObjectGraph objects, String key) {
        int attrs = key.indexOf("/.ATTRIBUTES/");
        if (attrs < 0 || objects.getNodesCount() == 0) {
            return null;
        }
        int node = 0;
        for (String part : key.substring(0, attrs).split("/")) {
            String local = unescape(part);
            Integer next = null;
            for (var c : objects.getNodes(node).getChildrenList()) {
                if (c.getLocalName().equals(local)) {
                    next = c.getNodeId();
                    break;
                }
            }
            if (next == null || next >= objects.getNodesCount()) {
                return null;
            }
            node = next;
        }
        SavedObject o = objects.getNodes(node);
        return o.getKindCase() == SavedObject.KindCase.VARIABLE
                ? o.getVariable().getName()
                : null;
    }

    /** Undoes TensorFlow's escaping of a checkpoint key segment ({@code ..} for '.', {@code .S} for '/'). */
    private static String unescape(String part) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '.' && i + 1 < part.length()) {
                char n = part.charAt(++i);
                b.append(n == 'S' ? '/' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
