package io.salience.engine;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_AddGradientsWithPrefix;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphImportGraphDef;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphNextOperation;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_ImportGraphDefOptionsAddInputMapping;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationInput;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OperationOutputType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrShape;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_UpdateEdge;

import io.salience.graph.Branch;
import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.graph.UnsupportedModelException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bytedeco.javacpp.SizeTPointer;
import org.tensorflow.internal.c_api.TF_Buffer;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_ImportGraphDefOptions;
import org.tensorflow.internal.c_api.TF_Input;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * The attribution view of one loaded SavedModel: its serving signature inlined into plain nodes of the model's own
 * graph, the pre-activation logits, and compiled programs (prediction, input gradients under each rectifier rule,
 * layer activations with their gradients). Programs are built once and cached; running them is thread-safe.
 * Building a program takes the graph's write lock, so no session run sees a half-edited graph.
 */
public final class ModelGraph {

    private static final Set<String> RECTIFIER_GRADS =
            Set.of("ReluGrad", "Relu6Grad", "LeakyReluGrad", "EluGrad", "SeluGrad");
    private static final Set<String> POOLING = Set.of("MaxPool", "MaxPoolV2", "AvgPool", "MaxPool3D");
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "IdentityN");
    private static final String ROOT = "salience";
    /** The scope of the copy whose weight reads can be fed ({@link #randomisable()}). */
    private static final String WEIGHTS_ROOT = "salience_mprt";

    private final TF_Graph graph;
    private final TF_Session session;
    private final ReadWriteLock lock;
    private final String root;
    private final GraphDef source;
    private final String inputTensor;
    private final String outputTensor;
    private final List<WeightSlot> weightSlots;
    private volatile ModelGraph randomisable;
    private volatile Map<String, float[]> trained;
    private final TF_Output input;
    private final long[] inputShape;
    private final TF_Output output;
    private final TF_Output logits;
    private final String logitsActivation;
    private final int classes;
    private final Map<String, NodeDef> nodes = new HashMap<>();
    private final Map<String, Program> programs = new ConcurrentHashMap<>();
    private final Map<String, TF_Output> layerFeeds = new ConcurrentHashMap<>();
    private final List<LayerInfo> layers;
    private volatile List<LayerInfo> resolvedLayers;
    private final Map<String, String> layerTensors;
    private final Set<String> forwardOps;
    private final boolean simplifyGradients;
    private final List<GradientSimplifier.Simplified> simplified = new java.util.concurrent.CopyOnWriteArrayList<>();
    private int nextId;

    /**
     * Inlines the signature and imports it into {@code graph}.
     *
     * @param graph the model's graph, holding the restored variables
     * @param session the model's session
     * @param source the graph definition with its function library (from the MetaGraphDef)
     * @param inputTensor the signature's input tensor, e.g. {@code serving_default_x:0} (float32, or an integer type
     *     the model casts to float32 first)
     * @param outputTensor the signature's output tensor, e.g. {@code StatefulPartitionedCall:0}
     * @param simplifyGradients rewrite gradient subgraphs into cheaper equivalents ({@link GradientSimplifier})
     */
    public ModelGraph(
            TF_Graph graph,
            TF_Session session,
            GraphDef source,
            String inputTensor,
            String outputTensor,
            boolean simplifyGradients) {
        this(graph, session, source, inputTensor, outputTensor, simplifyGradients, ROOT, new ReentrantReadWriteLock());
    }

    private ModelGraph(
            TF_Graph graph,
            TF_Session session,
            GraphDef source,
            String inputTensor,
            String outputTensor,
            boolean simplifyGradients,
            String root,
            ReadWriteLock lock) {
        this.graph = graph;
        this.simplifyGradients = simplifyGradients;
        this.session = session;
        this.root = root;
        this.lock = lock;
        this.source = source;
        this.inputTensor = inputTensor;
        this.outputTensor = outputTensor;
        for (NodeDef n : source.getNodeList()) {
            nodes.put(n.getName(), n);
        }
        GraphFlattener flattener = new GraphFlattener(graph, source, root + "/flat");
        String flatOutput = flattener.flatten(outputTensor);
        importNodes(flattener);
        nodes.putAll(flattener.emitted());
        this.weightSlots = root.equals(WEIGHTS_ROOT) ? WeightSlot.insert(graph, flattener.emitted(), nodes) : List.of();
        String feed = floatInput(inputTensor);
        this.input = Tf.output(graph, feed);
        this.inputShape = Tf.shape(graph, input);
        this.output = Tf.output(graph, flatOutput);
        String[] found = findLogits(flatOutput);
        this.logits = Tf.output(graph, found[0]);
        this.logitsActivation = found[1];
        long[] logitShape = Tf.shape(graph, logits);
        if (logitShape == null || logitShape.length != 2 || logitShape[1] <= 0) {
            throw new EngineException("The model output must be [batch, classes]; found "
                    + (logitShape == null ? "unknown rank" : java.util.Arrays.toString(logitShape)));
        }
        this.classes = (int) logitShape[1];
        this.forwardOps = forwardPath(feed, found[0]);
        this.layerTensors = new LinkedHashMap<>();
        this.layers = Collections.unmodifiableList(discoverLayers());
    }

    /**
     * The float32 tensor the model is fed and differentiated at: the signature input itself, or, for a signature
     * that takes integer pixels (e.g. uint8), the model's own {@code Cast} of them to float32. Feeding that cast
     * directly gives TensorFlow's result for whole pixel values 0..255, and gradients with respect to the pixels.
     */
    private String floatInput(String inputTensor) {
        TF_Output in = Tf.output(graph, inputTensor);
        int dtype = TF_OperationOutputType(in);
        if (dtype == Tf.DT_FLOAT) {
            return inputTensor;
        }
        String current = normalise(inputTensor);
        while (true) {
            List<NodeDef> consumers = new ArrayList<>();
            for (NodeDef n : nodes.values()) {
                if (n.getName().startsWith(root + "/") && n.getInputList().contains(current)) {
                    consumers.add(n);
                }
            }
            NodeDef next = consumers.size() == 1 ? consumers.get(0) : null;
            if (next != null && next.getOp().equals("Identity")) {
                current = next.getName() + ":0";
                continue;
            }
            if (next != null
                    && next.getOp().equals("Cast")
                    && next.getAttrOrThrow("DstT").getTypeValue() == Tf.DT_FLOAT) {
                return next.getName() + ":0";
            }
            throw new UnsupportedModelException("The signature input is "
                    + org.tensorflow.proto.DataType.forNumber(dtype)
                    + " and the model does not cast it to float32 first; only float32 inputs, or integer inputs"
                    + " the model casts to float32, can be fed and explained");
        }
    }

    /** Static input shape including the batch dimension (-1 where dynamic). */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** Number of logits (classes). */
    public int classes() {
        return classes;
    }

    /** The activation that follows the logits in the model: {@code Softmax}, {@code Sigmoid} or {@code none}. */
    public String logitsActivation() {
        return logitsActivation;
    }

    /**
     * Layers with 2-D or 4-D outputs on the path from input to logits, in forward order. Where the graph leaves a 4-D
     * layer's height or width unknown (tf_keras builds Dense on a 4-D tensor with a reshape), the first call runs the
     * model once on a zero input to measure it.
     */
    public List<LayerInfo> layers() {
        List<LayerInfo> r = resolvedLayers;
        return r != null ? r : resolveShapes();
    }

    private synchronized List<LayerInfo> resolveShapes() {
        if (resolvedLayers != null) {
            return resolvedLayers;
        }
        List<Integer> unknown = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).shape().size() == 3 && layers.get(i).shape().contains(-1L)) {
                unknown.add(i);
            }
        }
        boolean inputKnown =
                java.util.Arrays.stream(inputShape, 1, inputShape.length).allMatch(d -> d > 0);
        if (unknown.isEmpty() || !inputKnown) {
            resolvedLayers = layers;
            return layers;
        }
        long[] shape = inputShape.clone();
        shape[0] = 1;
        int per = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        List<TF_Output> fetches = new ArrayList<>();
        for (int i : unknown) {
            fetches.add(Tf.output(graph, layerTensors.get(layers.get(i).name())));
        }
        Outputs out;
        lock.readLock().lock();
        try {
            out = SessionRunner.run(
                    session, List.of(input), List.of(new SessionRunner.TensorBuffer(new float[per], shape)), fetches);
        } finally {
            lock.readLock().unlock();
        }
        List<LayerInfo> result = new ArrayList<>(layers);
        for (int k = 0; k < unknown.size(); k++) {
            long[] s = out.shape(k);
            LayerInfo old = layers.get(unknown.get(k));
            result.set(
                    unknown.get(k),
                    new LayerInfo(old.name(), old.op(), List.of(s[1], s[2], s[3]), s[1] > 1 && s[2] > 1));
        }
        resolvedLayers = Collections.unmodifiableList(result);
        return resolvedLayers;
    }

    /** The last spatial layer before pooling or flattening, the default for the CAM family. */
    public LayerInfo defaultCamLayer() {
        List<LayerInfo> all = layers();
        for (int i = all.size() - 1; i >= 0; i--) {
            LayerInfo l = all.get(i);
            if (l.spatial() && !POOLING.contains(l.op())) {
                return l;
            }
        }
        throw new UnsupportedModelException("The model has no layer with a spatial 4-D output for the CAM methods");
    }

    /** Resolves a layer by its full path or by its last path segment(s); null when unknown. */
    public LayerInfo findLayer(String name) {
        List<LayerInfo> all = layers();
        for (LayerInfo l : all) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        for (LayerInfo l : all) {
            if (l.name().endsWith("/" + name)) {
                return l;
            }
        }
        return null;
    }

    /** Op types on the forward path from input to logits. */
    public Set<String> forwardOpTypes() {
        return forwardOps;
    }

    /**
     * The logits [n, classes] when the layer's output is replaced by {@code activations} ([n, h, w, c]). The inputs
     * ([n, H, W, C]) feed whatever bypasses the layer (skip connections); the layers below it do not run.
     */
    public Outputs logitsFromLayer(LayerInfo layer, float[] inputs, float[] activations, int n) {
        return logitsFromLayer(null, layer, inputs, activations, n);
    }

    /** {@link #logitsFromLayer(LayerInfo, float[], float[], int)} with some weights replaced. */
    public Outputs logitsFromLayer(WeightValues weights, LayerInfo layer, float[] inputs, float[] activations, int n) {
        String tensor = layerTensors.get(layer.name());
        if (tensor == null) {
            throw new EngineException("Unknown layer " + layer.name());
        }
        TF_Output at = layerFeeds.computeIfAbsent(tensor, t -> Tf.output(graph, t));
        long[] shape = inputShape.clone();
        shape[0] = n;
        List<Long> dims = layer.shape();
        long[] layerShape = {n, dims.get(0), dims.get(1), dims.get(2)};
        if ((long) activations.length != n * dims.get(0) * dims.get(1) * dims.get(2)) {
            throw new IllegalArgumentException("Activations must be " + java.util.Arrays.toString(layerShape));
        }
        lock.readLock().lock();
        try {
            List<TF_Output> feeds = new ArrayList<>(List.of(input, at));
            List<SessionRunner.TensorBuffer> values = new ArrayList<>(List.of(
                    new SessionRunner.TensorBuffer(inputs, shape),
                    new SessionRunner.TensorBuffer(activations, layerShape)));
            addWeightFeeds(weights, feeds, values);
            return SessionRunner.run(session, feeds, values, List.of(logits));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs the model: returns logits [n, classes] and the signature output [n, classes] (probabilities). */
    public Outputs predict(float[] batch, int n) {
        return predict(null, batch, n);
    }

    /** {@link #predict(float[], int)} with some weights replaced (only on the {@link #randomisable()} copy). */
    public Outputs predict(WeightValues weights, float[] batch, int n) {
        Program p = programs.computeIfAbsent("predict", k -> new Program(false, List.of(logits, output), 0));
        return p.run(batch, n, null, null, weights);
    }

    /**
     * Gradient of {@code seeds · logits} with respect to the input, under a rectifier rule. Fetches logits [n,K] and
     * gradients [n,H,W,C].
     */
    public Outputs inputGradients(Rule rule, float[] batch, int n, float[] seeds) {
        return inputGradients(null, rule, batch, n, seeds);
    }

    /** {@link #inputGradients(Rule, float[], int, float[])} with some weights replaced. */
    public Outputs inputGradients(WeightValues weights, Rule rule, float[] batch, int n, float[] seeds) {
        return inputGradients(weights, rule, batch, n, seeds, null);
    }

    /**
     * {@link #inputGradients(Rule, float[], int, float[])} where rows may pick their target inside the run. Row
     * {@code i} with {@code sources[i] = j >= 0} back-propagates the one-hot of the predicted class of row {@code j}
     * (argmax of its logits; for one sigmoid unit +1 when its logit is positive, else -1) instead of its fed seed.
     * Fetches logits [n,K], gradients [n,H,W,C], the signature output [n,K] and the seeds used [n,K].
     *
     * @param sources per row the batch row whose prediction is the target, or -1 for the fed seed; null: all -1
     */
    public Outputs inputGradients(
            WeightValues weights, Rule rule, float[] batch, int n, float[] seeds, float[] sources) {
        return program("input-gradient:" + rule.id(), () -> buildGradients(List.of(Branch.input(rule))))
                .run(batch, n, seeds, sources, weights);
    }

    /**
     * A layer's activations and the gradient of {@code seeds · logits} with respect to them. Fetches logits [n,K],
     * activations [n,h,w,c] and gradients [n,h,w,c].
     */
    public Outputs layerGradients(LayerInfo layer, Rule rule, float[] batch, int n, float[] seeds) {
        return layerGradients(null, layer, rule, batch, n, seeds);
    }

    /** {@link #layerGradients(LayerInfo, Rule, float[], int, float[])} with some weights replaced. */
    public Outputs layerGradients(
            WeightValues weights, LayerInfo layer, Rule rule, float[] batch, int n, float[] seeds) {
        return layerGradients(weights, layer, rule, batch, n, seeds, null);
    }

    /**
     * {@link #layerGradients(LayerInfo, Rule, float[], int, float[])} where rows may pick their target inside the run,
     * as {@link #inputGradients(WeightValues, Rule, float[], int, float[], float[])} does. Fetches logits [n,K],
     * activations, gradients, the signature output [n,K] and the seeds used [n,K].
     */
    public Outputs layerGradients(
            WeightValues weights, LayerInfo layer, Rule rule, float[] batch, int n, float[] seeds, float[] sources) {
        return program(
                        "layer-gradient:" + layer.name() + ":" + rule.id(),
                        () -> buildGradients(List.of(Branch.layer(layer, rule))))
                .run(batch, n, seeds, sources, weights);
    }

    /**
     * Several backward branches from one forward pass, in one session run (seeds and sources as for
     * {@link #inputGradients(WeightValues, Rule, float[], int, float[], float[])}). Fetches logits [n,K]; then per
     * branch, in order, a layer branch's activations and its gradients, or an input branch's gradients; then the
     * signature output [n,K] and the seeds used [n,K].
     */
    public Outputs branchGradients(
            WeightValues weights, List<Branch> branches, float[] batch, int n, float[] seeds, float[] sources) {
        if (branches.isEmpty()) {
            throw new IllegalArgumentException("No branch");
        }
        String key =
                "branches:" + String.join(",", branches.stream().map(Branch::id).toList());
        return program(key, () -> buildGradients(branches)).run(batch, n, seeds, sources, weights);
    }

    /** What {@link GradientSimplifier} rewrote in each gradient program built so far. */
    List<GradientSimplifier.Simplified> simplified() {
        return List.copyOf(simplified);
    }

    private Program program(String key, java.util.function.Supplier<Program> builder) {
        Program p = programs.get(key);
        if (p != null) {
            return p;
        }
        lock.writeLock().lock();
        try {
            return programs.computeIfAbsent(key, k -> builder.get());
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- weights that can be fed

    /**
     * A second inlined copy of the signature in the same graph and session, whose every float weight read goes
     * through a {@code PlaceholderWithDefault}: unfed, it reads the model's variable; fed ({@link WeightValues}), it
     * uses the given values for that run only. The served graph and its variables are never changed; the copy is
     * built once, on first use, under the graph's write lock.
     */
    public ModelGraph randomisable() {
        if (!weightSlots.isEmpty() || root.equals(WEIGHTS_ROOT)) {
            return this;
        }
        ModelGraph r = randomisable;
        if (r != null) {
            return r;
        }
        synchronized (this) {
            if (randomisable == null) {
                lock.writeLock().lock();
                try {
                    randomisable = new ModelGraph(
                            graph, session, source, inputTensor, outputTensor, simplifyGradients, WEIGHTS_ROOT, lock);
                } finally {
                    lock.writeLock().unlock();
                }
            }
            return randomisable;
        }
    }

    /**
     * The model's weights that can be replaced, in forward order (only on the {@link #randomisable()} copy; empty on
     * the served graph).
     */
    public List<WeightInfo> weights() {
        List<WeightInfo> out = new ArrayList<>();
        for (WeightSlot s : weightSlots) {
            out.add(s.info());
        }
        return out;
    }

    /** The trained values of the replaceable weights, by variable name (read from the session; never changed). */
    public Map<String, float[]> weightValues() {
        Map<String, float[]> t = trained;
        if (t == null) {
            t = Collections.unmodifiableMap(readWeights());
            trained = t;
        }
        return t;
    }

    private Map<String, float[]> readWeights() {
        List<TF_Output> reads = new ArrayList<>();
        weightSlots.forEach(s -> reads.add(s.read()));
        lock.readLock().lock();
        try {
            return SessionRunner.runRaw(session, reads, List.of(), "Cannot read the model's weights", out -> {
                Map<String, float[]> values = new LinkedHashMap<>();
                for (int i = 0; i < out.size(); i++) {
                    values.put(weightSlots.get(i).info().variable(), Tf.floats(out.get(i)));
                }
                return values;
            });
        } finally {
            lock.readLock().unlock();
        }
    }

    private void addWeightFeeds(WeightValues weights, List<TF_Output> feeds, List<SessionRunner.TensorBuffer> values) {
        if (weights == null || weights.values().isEmpty()) {
            return;
        }
        if (weightSlots.isEmpty()) {
            throw new IllegalStateException("Weights can only be fed to the randomisable copy of the graph");
        }
        // every placeholder is fed (the trained values where not replaced), so that each program has one feed
        // signature: TensorFlow builds and caches one executor per signature, and a signature per subset of
        // replaced weights would grow that cache with every new combination of layers
        Map<String, float[]> kept = null;
        for (WeightSlot s : weightSlots) {
            float[] v = weights.values().get(s.info().variable());
            if (v == null) {
                if (kept == null) {
                    kept = weightValues();
                }
                v = kept.get(s.info().variable());
            }
            if (v.length != s.info().size()) {
                throw new IllegalArgumentException(
                        "Weight " + s.info().variable() + " needs " + s.info().size() + " values, got " + v.length);
            }
            for (TF_Output f : s.feeds()) {
                feeds.add(f);
                values.add(new SessionRunner.TensorBuffer(v, s.info().shape()));
            }
        }
    }

    // ---------------------------------------------------------------- graph building

    private void importNodes(GraphFlattener flattener) {
        GraphDef def = flattener.graphDef();
        if (def.getNodeCount() == 0) {
            return;
        }
        try (TF_ImportGraphDefOptions opts = TF_ImportGraphDefOptions.newImportGraphDefOptions();
                TF_Buffer buf = TF_Buffer.newBufferFromString(def);
                TF_Status status = TF_Status.newStatus()) {
            for (Map.Entry<String, Integer> ref : flattener.externalReferences().entrySet()) {
                TF_Operation op = Tf.op(graph, ref.getKey());
                for (int i = 0; i <= ref.getValue(); i++) {
                    TF_ImportGraphDefOptionsAddInputMapping(
                            opts, ref.getKey(), i, new TF_Output().oper(op).index(i));
                }
            }
            TF_GraphImportGraphDef(graph, buf, opts, status);
            Tf.check(status, "Cannot import the inlined model graph");
        }
    }

    private String[] findLogits(String tensor) {
        String current = tensor;
        while (true) {
            GraphFlattener.TensorRef ref = GraphFlattener.TensorRef.parseGraphStyle(current);
            NodeDef node = nodes.get(ref.node());
            if (node == null) {
                return new String[] {current, "none"};
            }
            if (PASS_THROUGH.contains(node.getOp())) {
                current = node.getInput(node.getOp().equals("IdentityN") ? ref.index() : 0);
                continue;
            }
            if (node.getOp().equals("Softmax") || node.getOp().equals("Sigmoid")) {
                return new String[] {normalise(node.getInput(0)), node.getOp()};
            }
            return new String[] {normalise(current), "none"};
        }
    }

    private static String normalise(String tensor) {
        return tensor.contains(":") ? tensor : tensor + ":0";
    }

    private Set<String> forwardPath(String inputTensor, String logitsTensor) {
        // ancestors of logits
        Set<String> ancestors = new HashSet<>();
        List<String> stack = new ArrayList<>(List.of(opName(logitsTensor)));
        while (!stack.isEmpty()) {
            String name = stack.remove(stack.size() - 1);
            if (!ancestors.add(name)) {
                continue;
            }
            NodeDef n = nodes.get(name);
            if (n != null) {
                for (String in : n.getInputList()) {
                    if (!in.startsWith("^")) {
                        stack.add(opName(in));
                    }
                }
            }
        }
        Set<String> types = new HashSet<>();
        for (String name : ancestors) {
            NodeDef n = nodes.get(name);
            if (n != null && dependsOn(name, opName(inputTensor), new HashMap<>())) {
                types.add(n.getOp());
            }
        }
        return Collections.unmodifiableSet(types);
    }

    private boolean dependsOn(String name, String target, Map<String, Boolean> memo) {
        if (name.equals(target)) {
            return true;
        }
        Boolean known = memo.get(name);
        if (known != null) {
            return known;
        }
        memo.put(name, false);
        NodeDef n = nodes.get(name);
        boolean result = false;
        if (n != null) {
            for (String in : n.getInputList()) {
                if (!in.startsWith("^") && dependsOn(opName(in), target, memo)) {
                    result = true;
                    break;
                }
            }
        }
        memo.put(name, result);
        return result;
    }

    private static String opName(String tensor) {
        String t = tensor.startsWith("^") ? tensor.substring(1) : tensor;
        int colon = t.lastIndexOf(':');
        return colon > 0 ? t.substring(0, colon) : t;
    }

    private List<LayerInfo> discoverLayers() {
        String inputOp = opName(Tf.name(input.oper()));
        String logitsOp = Tf.name(logits.oper());
        // forward-path nodes with their depth (longest path from the input)
        Map<String, Integer> depth = new HashMap<>();
        Map<String, Boolean> memo = new HashMap<>();
        List<String> onPath = new ArrayList<>();
        collect(logitsOp, inputOp, memo, new HashSet<>(), onPath);
        for (String name : onPath) {
            int d = 0;
            for (String in : nodes.get(name).getInputList()) {
                if (!in.startsWith("^")) {
                    Integer di = depth.get(opName(in));
                    if (di != null) {
                        d = Math.max(d, di + 1);
                    }
                }
            }
            depth.put(name, d);
        }
        // consumers on the path
        Map<String, List<String>> consumers = new HashMap<>();
        for (String name : onPath) {
            for (String in : nodes.get(name).getInputList()) {
                if (!in.startsWith("^")) {
                    consumers
                            .computeIfAbsent(opName(in), k -> new ArrayList<>())
                            .add(name);
                }
            }
        }
        Map<String, String> groupOutput = new LinkedHashMap<>();
        for (String name : onPath) {
            if (name.equals(inputOp) || !name.startsWith(root + "/")) {
                continue;
            }
            String group = layerPath(name);
            if (group.isEmpty()) {
                continue;
            }
            boolean leavesGroup = name.equals(logitsOp)
                    || consumers.getOrDefault(name, List.of()).stream()
                            .anyMatch(c -> !layerPath(c).equals(group));
            if (!leavesGroup) {
                continue;
            }
            String prev = groupOutput.get(group);
            if (prev == null || depth.get(name) > depth.get(prev)) {
                groupOutput.put(group, name);
            }
        }
        List<Map.Entry<String, String>> ordered = new ArrayList<>(groupOutput.entrySet());
        ordered.sort((a, b) -> Integer.compare(depth.get(a.getValue()), depth.get(b.getValue())));
        List<LayerInfo> result = new ArrayList<>();
        for (Map.Entry<String, String> e : ordered) {
            TF_Output out = Tf.output(graph, e.getValue() + ":0");
            long[] shape = Tf.shape(graph, out);
            if (shape == null || (shape.length != 4 && shape.length != 2)) {
                continue;
            }
            List<Long> dims = new ArrayList<>();
            for (int i = 1; i < shape.length; i++) {
                dims.add(shape[i]);
            }
            boolean spatial = shape.length == 4 && shape[1] > 1 && shape[2] > 1;
            String name = e.getKey();
            layerTensors.put(name, e.getValue() + ":0");
            result.add(new LayerInfo(name, nodes.get(e.getValue()).getOp(), List.copyOf(dims), spatial));
        }
        return result;
    }

    private void collect(String name, String inputOp, Map<String, Boolean> memo, Set<String> seen, List<String> order) {
        if (!seen.add(name)) {
            return;
        }
        NodeDef n = nodes.get(name);
        if (n == null) {
            return;
        }
        for (String in : n.getInputList()) {
            if (!in.startsWith("^")) {
                collect(opName(in), inputOp, memo, seen, order);
            }
        }
        if (dependsOn(name, inputOp, memo)) {
            order.add(name);
        }
    }

    /** Keras layer path of an inlined node: its name scope without the inlining scopes and the op segment. */
    static String layerPath(String nodeName) {
        String[] parts = nodeName.split("/");
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < parts.length - 1; i++) {
            String p = parts[i];
            if (i < 2 && (p.equals(ROOT) || p.equals(WEIGHTS_ROOT) || p.equals("flat"))) {
                continue;
            }
            if (p.startsWith("StatefulPartitionedCall") || p.startsWith("PartitionedCall")) {
                continue;
            }
            kept.add(p);
        }
        return String.join("/", kept);
    }

    /**
     * A gradient program: one forward pass, the target seeds ({@link #targetSeeds}), and per branch a backward pass
     * under its rule, each under its own name prefix so that rules and rewrites apply to that branch only.
     */
    private Program buildGradients(List<Branch> branches) {
        int id = nextId++;
        long[] seedShape = {-1, classes};
        TF_Operation seed = Tf.add(graph, "Placeholder", root + "/seed" + id, d -> {
                    TF_SetAttrType(d, "dtype", Tf.DT_FLOAT);
                    TF_SetAttrShape(d, "shape", seedShape, seedShape.length);
                })
                .oper();
        TF_Operation source = Tf.add(graph, "Placeholder", root + "/source" + id, d -> {
                    TF_SetAttrType(d, "dtype", Tf.DT_FLOAT);
                    TF_SetAttrShape(d, "shape", new long[] {-1}, 1);
                })
                .oper();
        TF_Output used =
                targetSeeds(root + "/target" + id, new TF_Output().oper(seed).index(0), source);
        List<TF_Output> fetches = new ArrayList<>(List.of(logits));
        for (int b = 0; b < branches.size(); b++) {
            Branch branch = branches.get(b);
            TF_Output x = input;
            if (branch.layer() != null) {
                String tensor = layerTensors.get(branch.layer().name());
                if (tensor == null) {
                    throw new EngineException("Unknown layer " + branch.layer().name());
                }
                x = Tf.output(graph, tensor);
                fetches.add(x);
            }
            fetches.add(backward(root + "/grad" + id + (b == 0 ? "" : "_" + b), branch.rule(), x, used));
        }
        fetches.add(output);
        fetches.add(used);
        return new Program(true, fetches, programs.size(), seed, source);
    }

    /** The gradient of {@code seeds · logits} with respect to {@code x} under a rule, built under {@code prefix}. */
    private TF_Output backward(String prefix, Rule rule, TF_Output x, TF_Output used) {
        TF_Output dx = new TF_Output(1);
        try (TF_Status status = TF_Status.newStatus()) {
            TF_Output y = new TF_Output(1).oper(logits.oper()).index(logits.index());
            TF_Output xs = new TF_Output(1).oper(x.oper()).index(x.index());
            TF_Output seeds = new TF_Output(1).oper(used.oper()).index(used.index());
            TF_AddGradientsWithPrefix(graph, prefix, y, 1, xs, 1, seeds, status, dx);
            if (org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode(status) != 0) {
                String msg = org.tensorflow.internal.c_api.global.tensorflow.TF_Message(status)
                        .getString();
                throw new UnsupportedModelException("The model has an op without a registered gradient: " + msg);
            }
        }
        if (dx.oper() == null || dx.oper().isNull()) {
            throw new UnsupportedModelException("The logits do not depend on the requested tensor");
        }

        if (rule != Rule.PLAIN) {
            int modified = applyRule(prefix, rule);
            if (modified == 0) {
                throw new UnsupportedModelException("The model has no rectifier the " + rule.id()
                        + " rule can modify (supported: Relu, Relu6, LeakyRelu, Elu, Selu); forward ops: "
                        + new java.util.TreeSet<>(forwardOps));
            }
        }
        TF_Output grad = new TF_Output().oper(dx.oper()).index(dx.index());
        if (simplifyGradients) {
            GradientSimplifier.Simplified done = GradientSimplifier.simplify(graph, prefix, grad);
            grad = done.result();
            simplified.add(done);
        }
        return grad;
    }

    /**
     * The seeds a gradient program back-propagates: per row the fed seed, or, where the row's source is {@code j >=
     * 0}, the predicted class of batch row {@code j}: the one-hot of the argmax of its logits (the first of equal
     * maxima), or for a single sigmoid unit +1 when its logit is positive and -1 otherwise. The target is picked
     * inside the run, so one session run both predicts and explains. The seeds are an input of the gradient graph,
     * not differentiated.
     */
    private TF_Output targetSeeds(String scope, TF_Output fed, TF_Operation sourceOp) {
        TF_Output src = new TF_Output().oper(sourceOp).index(0);
        TF_Output zero = Tf.scalar(graph, scope + "/zero", 0f);
        TF_Output picked = Tf.add(graph, "GreaterEqual", scope + "/picked", src, zero);
        TF_Output rowIndex = Tf.add(
                graph,
                "Cast",
                scope + "/row",
                d -> TF_SetAttrType(d, "DstT", Tf.DT_INT32),
                Tf.add(graph, "Maximum", scope + "/clamped", src, zero));
        TF_Output rowLogits =
                Tf.add(graph, "GatherV2", scope + "/logits", logits, rowIndex, Tf.intScalar(graph, scope + "/axis", 0));
        TF_Output predicted;
        if (classes == 1) {
            TF_Output positive = Tf.add(
                    graph,
                    "Cast",
                    scope + "/positive",
                    d -> TF_SetAttrType(d, "DstT", Tf.DT_FLOAT),
                    Tf.add(graph, "Greater", scope + "/above", rowLogits, zero));
            TF_Output twice = Tf.add(graph, "Mul", scope + "/twice", positive, Tf.scalar(graph, scope + "/two", 2f));
            predicted = Tf.add(graph, "Sub", scope + "/sign", twice, Tf.scalar(graph, scope + "/one", 1f));
        } else {
            TF_Output argmax =
                    Tf.add(graph, "ArgMax", scope + "/argmax", rowLogits, Tf.intScalar(graph, scope + "/dimension", 1));
            predicted = Tf.add(
                    graph,
                    "OneHot",
                    scope + "/one_hot",
                    argmax,
                    Tf.intScalar(graph, scope + "/depth", classes),
                    Tf.scalar(graph, scope + "/on", 1f),
                    zero);
        }
        return Tf.add(graph, "Select", scope + "/seeds", picked, predicted, fed);
    }

    private int applyRule(String prefix, Rule rule) {
        List<TF_Operation> grads = new ArrayList<>();
        try (SizeTPointer pos = new SizeTPointer(1)) {
            pos.put(0);
            TF_Operation op;
            while ((op = TF_GraphNextOperation(graph, pos)) != null && !op.isNull()) {
                if (Tf.name(op).startsWith(prefix + "/") && RECTIFIER_GRADS.contains(Tf.type(op))) {
                    grads.add(op);
                }
            }
        }
        int i = 0;
        for (TF_Operation g : grads) {
            TF_Output incoming = TF_OperationInput(new TF_Input().oper(g).index(0));
            TF_Output reluOut = Tf.add(graph, "Relu", prefix + "/" + rule.id() + "_" + i++, incoming);
            try (TF_Status status = TF_Status.newStatus()) {
                if (rule == Rule.GUIDED) {
                    TF_UpdateEdge(graph, reluOut, new TF_Input().oper(g).index(0), status);
                    Tf.check(status, "Cannot apply the guided rule");
                } else {
                    Tf.redirect(graph, new TF_Output().oper(g).index(0), reluOut);
                }
            }
        }
        return grads.size();
    }

    // ---------------------------------------------------------------- running

    /** A compiled set of fetches. */
    private final class Program {
        private final boolean seeded;
        private final List<TF_Output> fetches;
        private final List<TF_Output> feeds;

        /** A program fed the input and, when seeded, the seed and source placeholders. */
        Program(boolean seeded, List<TF_Output> fetches, int id, TF_Operation... seedAndSource) {
            this.seeded = seeded;
            this.fetches = List.copyOf(fetches);
            this.feeds = seedAndSource.length > 0
                    ? List.of(
                            input,
                            new TF_Output().oper(seedAndSource[0]).index(0),
                            new TF_Output().oper(seedAndSource[1]).index(0))
                    : List.of(input);
        }

        Outputs run(float[] batch, int n, float[] seeds, float[] sources, WeightValues weights) {
            if (n == 0) {
                return new Outputs(List.of(), List.of());
            }
            long[] shape = inputShape.clone();
            shape[0] = n;
            long per = 1;
            for (int i = 1; i < shape.length; i++) {
                per *= shape[i];
            }
            if (batch.length != per * n) {
                throw new IllegalArgumentException(
                        "Input has " + batch.length + " values, expected " + per * n + " for batch " + n);
            }
            if (seeded && (seeds == null || seeds.length != (long) n * classes)) {
                throw new IllegalArgumentException("Seeds must be [" + n + ", " + classes + "]");
            }
            List<SessionRunner.TensorBuffer> values = new ArrayList<>(3);
            values.add(new SessionRunner.TensorBuffer(batch, shape));
            if (seeded) {
                if (sources == null) {
                    sources = new float[n];
                    java.util.Arrays.fill(sources, -1f);
                } else if (sources.length != n) {
                    throw new IllegalArgumentException("Sources must be [" + n + "]");
                }
                for (float j : sources) {
                    if (j >= n || (j < 0 && j != -1f) || j != Math.rint(j)) {
                        throw new IllegalArgumentException("A source must be -1 or a row 0.." + (n - 1) + ": " + j);
                    }
                }
                values.add(new SessionRunner.TensorBuffer(seeds, new long[] {n, classes}));
                values.add(new SessionRunner.TensorBuffer(sources, new long[] {n}));
            }
            List<TF_Output> allFeeds = feeds;
            if (weights != null) {
                allFeeds = new ArrayList<>(feeds);
                addWeightFeeds(weights, allFeeds, values);
            }
            lock.readLock().lock();
            try {
                return SessionRunner.run(session, allFeeds, values, fetches);
            } finally {
                lock.readLock().unlock();
            }
        }
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT, "ModelGraph[input=%s, classes=%d]", java.util.Arrays.toString(inputShape), classes);
    }
}
