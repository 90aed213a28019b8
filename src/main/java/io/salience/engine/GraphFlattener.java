package io.salience.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Inlines the function-call chain behind a SavedModel signature into plain graph nodes, so that gradients can be
 * taken through it and intermediate layers become addressable. Tensors of the existing graph that the inlined nodes
 * read (the input placeholder, the variable handles) are left as external references, to be bound to the existing
 * operations at import time so the restored variables are shared.
 */
final class GraphFlattener {

    private static final String STATEFUL_CALL = "StatefulPartitionedCall";
    private static final String CALL = "PartitionedCall";
    private static final String IDENTITY_N = "IdentityN";

    private final TF_Graph graph;
    private final Map<String, FunctionDef> functions = new HashMap<>();
    private final Map<String, NodeDef> outerNodes = new HashMap<>();
    private final Map<String, OpDef> opDefs = new HashMap<>();
    private final Map<String, List<String>> inlinedOuterCalls = new HashMap<>();
    private final GraphDef.Builder out = GraphDef.newBuilder();
    private final Map<String, Integer> external = new LinkedHashMap<>();
    private final Map<String, NodeDef> emitted = new LinkedHashMap<>();
    private final String root;

    GraphFlattener(TF_Graph graph, GraphDef source, String root) {
        this.graph = graph;
        this.root = root;
        for (FunctionDef f : source.getLibrary().getFunctionList()) {
            functions.put(f.getSignature().getName(), f);
        }
        for (NodeDef n : source.getNodeList()) {
            outerNodes.put(n.getName(), n);
        }
        out.setVersions(source.getVersions());
    }

    /**
     * Returns the flattened equivalent of a tensor of the existing graph ({@code node} or {@code node:k}). Tensors
     * not produced by a function call stay references into the existing graph.
     */
    String flatten(String tensor) {
        TensorRef ref = TensorRef.parseGraphStyle(tensor);
        NodeDef node = outerNodes.get(ref.node());
        if (node == null) {
            throw new EngineException("Tensor " + tensor + " is not in the model graph");
        }
        if (node.getOp().equals("Identity")) {
            return flatten(node.getInput(0));
        }
        if (isCall(node)) {
            List<String> outs = inlinedOuterCalls.get(node.getName());
            if (outs == null) {
                List<String> inputs = new ArrayList<>();
                for (String in : node.getInputList()) {
                    if (!in.startsWith("^")) {
                        inputs.add(flatten(in));
                    }
                }
                outs = inline(node, inputs, root + "/" + node.getName());
                inlinedOuterCalls.put(node.getName(), outs);
            }
            return outs.get(ref.index());
        }
        external.merge(ref.node(), ref.index(), Math::max);
        return ref.node() + ":" + ref.index();
    }

    /** The nodes emitted so far, ready for import. */
    GraphDef graphDef() {
        return out.build();
    }

    /** Emitted nodes by name. */
    Map<String, NodeDef> emitted() {
        return emitted;
    }

    /** Existing-graph operations the emitted nodes read, with the highest output index used. */
    Map<String, Integer> externalReferences() {
        return external;
    }

    private boolean isCall(NodeDef node) {
        return node.getOp().equals(STATEFUL_CALL) || node.getOp().equals(CALL) || functions.containsKey(node.getOp());
    }

    private FunctionDef callee(NodeDef call) {
        String name = functions.containsKey(call.getOp())
                ? call.getOp()
                : call.getAttrOrThrow("f").getFunc().getName();
        FunctionDef f = functions.get(name);
        if (f == null) {
            throw new EngineException("Function " + name + " is missing from the model's function library");
        }
        return f;
    }

    private List<String> inline(NodeDef call, List<String> inputs, String scope) {
        FunctionDef f = callee(call);
        Map<String, String> args = new HashMap<>();
        var inArgs = f.getSignature().getInputArgList();
        if (inArgs.size() != inputs.size()) {
            throw new EngineException("Call " + call.getName() + " passes " + inputs.size() + " inputs to "
                    + f.getSignature().getName() + ", which takes " + inArgs.size());
        }
        for (int i = 0; i < inArgs.size(); i++) {
            args.put(inArgs.get(i).getName(), inputs.get(i));
        }
        Map<String, NodeDef> body = new HashMap<>();
        for (NodeDef n : f.getNodeDefList()) {
            body.put(n.getName(), n);
        }
        FunctionScope fs = new FunctionScope(scope, args, body);
        for (NodeDef n : f.getNodeDefList()) {
            if (!isCall(n) && !n.getOp().equals(IDENTITY_N)) {
                emit(fs, n);
            }
        }
        List<String> outs = new ArrayList<>();
        for (OpDef.ArgDef arg : f.getSignature().getOutputArgList()) {
            outs.add(fs.resolve(f.getRetOrThrow(arg.getName())));
        }
        return outs;
    }

    private void emit(FunctionScope fs, NodeDef n) {
        NodeDef.Builder b =
                NodeDef.newBuilder().setName(fs.scope + "/" + n.getName()).setOp(n.getOp());
        for (Map.Entry<String, AttrValue> attr : n.getAttrMap().entrySet()) {
            if (!attr.getKey().startsWith("_")) {
                b.putAttr(attr.getKey(), attr.getValue());
            }
        }
        for (String in : n.getInputList()) {
            if (!in.startsWith("^")) {
                b.addInput(fs.resolve(in));
            }
        }
        NodeDef node = b.build();
        out.addNode(node);
        emitted.put(node.getName(), node);
    }

    private int outputOffset(NodeDef node, String outArg) {
        if (isCall(node)) {
            if (functions.containsKey(node.getOp())) {
                var outArgs = functions.get(node.getOp()).getSignature().getOutputArgList();
                for (int i = 0; i < outArgs.size(); i++) {
                    if (outArgs.get(i).getName().equals(outArg)) {
                        return i;
                    }
                }
            }
            return 0;
        }
        OpDef def = opDefs.computeIfAbsent(node.getOp(), op -> Tf.opDef(graph, op));
        int offset = 0;
        for (OpDef.ArgDef arg : def.getOutputArgList()) {
            if (arg.getName().equals(outArg)) {
                return offset;
            }
            offset += argLength(node, arg);
        }
        throw new EngineException("Op " + node.getOp() + " has no output named " + outArg);
    }

    private static int argLength(NodeDef node, OpDef.ArgDef arg) {
        if (!arg.getNumberAttr().isEmpty()) {
            return (int) node.getAttrOrThrow(arg.getNumberAttr()).getI();
        }
        if (!arg.getTypeListAttr().isEmpty()) {
            return node.getAttrOrThrow(arg.getTypeListAttr()).getList().getTypeCount();
        }
        return 1;
    }

    /** Name resolution inside one inlined function body. */
    private final class FunctionScope {
        private final String scope;
        private final Map<String, String> args;
        private final Map<String, NodeDef> body;
        private final Map<String, List<String>> calls = new HashMap<>();

        FunctionScope(String scope, Map<String, String> args, Map<String, NodeDef> body) {
            this.scope = scope;
            this.args = args;
            this.body = body;
        }

        String resolve(String ref) {
            String[] parts = ref.split(":");
            if (parts.length == 1) {
                String arg = args.get(ref);
                if (arg == null) {
                    throw new EngineException("Unresolvable function reference " + ref + " in " + scope);
                }
                return arg;
            }
            NodeDef node = body.get(parts[0]);
            if (node == null) {
                throw new EngineException("Unknown node " + parts[0] + " in " + scope);
            }
            int idx = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
            int position = outputOffset(node, parts[1]) + idx;
            if (node.getOp().equals(IDENTITY_N)) {
                // tf.custom_gradient wraps ops in IdentityN, which has no C++ gradient: bypass it so the
                // gradient flows through the wrapped ops (e.g. swish = x * sigmoid(x)).
                List<String> data = node.getInputList().stream()
                        .filter(in -> !in.startsWith("^"))
                        .toList();
                return resolve(data.get(position));
            }
            if (isCall(node)) {
                List<String> outs = calls.get(node.getName());
                if (outs == null) {
                    List<String> inputs = new ArrayList<>();
                    for (String in : node.getInputList()) {
                        if (!in.startsWith("^")) {
                            inputs.add(resolve(in));
                        }
                    }
                    outs = inline(node, inputs, scope + "/" + node.getName());
                    calls.put(node.getName(), outs);
                }
                return outs.get(position);
            }
            return scope + "/" + node.getName() + ":" + position;
        }
    }

    /** A graph-style tensor reference {@code node:index}. */
    record TensorRef(String node, int index) {
        static TensorRef parseGraphStyle(String tensor) {
            int colon = tensor.lastIndexOf(':');
            if (colon > 0) {
                return new TensorRef(tensor.substring(0, colon), Integer.parseInt(tensor.substring(colon + 1)));
            }
            return new TensorRef(tensor, 0);
        }
    }
}
