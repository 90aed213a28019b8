package io.salience.engine;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrInt;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrIntList;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttrString;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_UpdateEdge;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Input;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Status;

/**
 * Rewrites a gradient subgraph made by {@code TF_AddGradients} into a cheaper, mathematically identical one. The
 * gradients TensorFlow registers are written for training; for input attribution on a CPU three of them cost more
 * than they need to:
 *
 * <ul>
 *   <li>Inference-mode batch-norm gradients become {@code dy · scale / sqrt(variance + ε)}. {@code
 *       FusedBatchNormGradV3} also computes scale and offset gradients, and it reads the convolution output, which
 *       stops Grappler from fusing convolution, batch norm and activation in the forward pass.
 *   <li>Rectifier gradients read the activation's output instead of its input ({@code x > 0 ⇔ relu(x) > 0}, likewise
 *       for Relu6 and LeakyRelu with a positive slope), so the forward activation can be fused as well.
 *   <li>The input gradient of a strided convolution with at most four input channels (a first layer) becomes a
 *       stride-1 convolution of the output gradient with the polyphase-rearranged kernel followed by {@code
 *       DepthToSpace}. oneDNN's {@code Conv2DBackpropInput} vectorises over the input channels and is slow when there
 *       are one or three of them.
 * </ul>
 */
final class GradientSimplifier {

    private static final Set<String> BATCH_NORM_GRADS =
            Set.of("FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormGradV3");
    private static final Map<String, String> RECTIFIERS =
            Map.of("ReluGrad", "Relu", "Relu6Grad", "Relu6", "LeakyReluGrad", "LeakyRelu");
    private static final int MAX_POLYPHASE_CHANNELS = 4;

    private final TF_Graph graph;
    private final String prefix;
    private TF_Output result;
    private int batchNorms;
    private int rectifierCount;
    private int convolutions;

    private GradientSimplifier(TF_Graph graph, String prefix, TF_Output result) {
        this.graph = graph;
        this.prefix = prefix;
        this.result = result;
    }

    /**
     * Applies every rewrite to the gradient ops whose names start with {@code prefix/}.
     *
     * @param result the gradient the program fetches
     */
    static Simplified simplify(TF_Graph graph, String prefix, TF_Output result) {
        GradientSimplifier s = new GradientSimplifier(graph, prefix, result);
        s.batchNorm();
        s.rectifiers();
        s.stridedConvolutions();
        return new Simplified(s.result, s.batchNorms, s.rectifierCount, s.convolutions);
    }

    /**
     * What {@link #simplify} did.
     *
     * @param result the tensor to fetch instead of the original gradient (the same one unless it was rewritten)
     * @param batchNorms batch-norm gradients replaced by their closed form
     * @param rectifiers rectifier gradients rewired to read the activation's output
     * @param convolutions strided first-layer convolution gradients replaced by the polyphase form
     */
    record Simplified(TF_Output result, int batchNorms, int rectifiers, int convolutions) {}

    /** Points every consumer of {@code g:0}, and the fetched result if it is {@code g:0}, at {@code to}. */
    private void replace(TF_Operation g, TF_Output to) {
        Tf.redirect(graph, new TF_Output().oper(g).index(0), to);
        if (result.index() == 0 && result.oper().equals(g)) {
            result = to;
        }
    }

    private void batchNorm() {
        for (TF_Operation g : Tf.ops(graph, prefix, BATCH_NORM_GRADS)) {
            if (Tf.attrBool(g, "is_training")
                    || Tf.attrType(g, "T") != Tf.DT_FLOAT
                    || !"NHWC".equals(Tf.attrString(g, "data_format"))) {
                continue;
            }
            String base = Tf.name(g) + "_closed";
            TF_Output eps = Tf.scalar(graph, base + "/epsilon", Tf.attrFloat(g, "epsilon"));
            TF_Output shifted = Tf.add(graph, "AddV2", base + "/shifted", Tf.input(g, 4), eps);
            TF_Output inv = Tf.add(graph, "Rsqrt", base + "/rsqrt", shifted);
            TF_Output factor = Tf.add(graph, "Mul", base + "/factor", Tf.input(g, 2), inv);
            TF_Output dx = Tf.add(graph, "Mul", base + "/dx", Tf.input(g, 0), factor);
            replace(g, dx);
            batchNorms++;
        }
    }

    private void rectifiers() {
        for (TF_Operation g : Tf.ops(graph, prefix, RECTIFIERS.keySet())) {
            if (Tf.type(g).equals("LeakyReluGrad") && !(Tf.attrFloat(g, "alpha") > 0)) {
                continue;
            }
            TF_Output features = Tf.input(g, 1);
            TF_Operation forward = Tf.consumer(features, RECTIFIERS.get(Tf.type(g)));
            if (forward == null) {
                continue;
            }
            try (TF_Status status = TF_Status.newStatus()) {
                TF_UpdateEdge(
                        graph,
                        new TF_Output().oper(forward).index(0),
                        new TF_Input().oper(g).index(1),
                        status);
                Tf.check(status, "Cannot rewire " + Tf.name(g));
            }
            rectifierCount++;
        }
    }

    private void stridedConvolutions() {
        for (TF_Operation g : Tf.ops(graph, prefix, Set.of("Conv2DBackpropInput"))) {
            if (polyphase(g)) {
                convolutions++;
            }
        }
    }

    /** dX of a strided NHWC convolution as one stride-1 convolution of dY; false when the op does not qualify. */
    private boolean polyphase(TF_Operation g) {
        long[] strides = Tf.attrInts(g, "strides");
        long[] dilations = Tf.attrInts(g, "dilations");
        String padding = Tf.attrString(g, "padding");
        long[] w = Tf.shape(graph, Tf.input(g, 1));
        long[] dy = Tf.shape(graph, Tf.input(g, 2));
        long[] dx = inputShape(g);
        if (Tf.attrType(g, "T") != Tf.DT_FLOAT
                || !"NHWC".equals(Tf.attrString(g, "data_format"))
                || !(padding.equals("SAME") || padding.equals("VALID"))
                || strides.length != 4
                || strides[1] != strides[2]
                || strides[1] < 2
                || Arrays.stream(dilations).anyMatch(d -> d != 1)
                || !known(w, 4)
                || !known(dy, 4)
                || !known(dx, 4)
                || w[2] > MAX_POLYPHASE_CHANNELS) {
            return false;
        }
        int s = (int) strides[1];
        long kh = w[0];
        long kw = w[1];
        long in = w[2];
        long out = w[3];
        long ah = ceilDiv(kh, s);
        long aw = ceilDiv(kw, s);
        long top = padding.equals("SAME") ? Math.max((dy[1] - 1) * s + kh - dx[1], 0) / 2 : 0;
        long left = padding.equals("SAME") ? Math.max((dy[2] - 1) * s + kw - dx[2], 0) / 2 : 0;
        long extraH = Math.max(0, ceilDiv(top + dx[1] - s * (dy[1] + ah - 1), s));
        long extraW = Math.max(0, ceilDiv(left + dx[2] - s * (dy[2] + aw - 1), s));
        String b = Tf.name(g) + "_polyphase";
        // kernel [kh,kw,in,out] -> [ah,aw,out,s*s*in], phase (p,q) at channel (p*s+q)*in+i, spatially flipped
        TF_Output k = Tf.add(
                graph,
                "Pad",
                b + "/kernel_pad",
                Tf.input(g, 1),
                Tf.paddings(graph, b + "/kernel_pads", 0, s * ah - kh, 0, s * aw - kw, 0, 0, 0, 0));
        k = Tf.add(graph, "Reshape", b + "/kernel_split", k, Tf.ints(graph, b + "/split", ah, s, aw, s, in, out));
        k = Tf.add(graph, "Transpose", b + "/kernel_perm", k, Tf.ints(graph, b + "/perm", 0, 2, 5, 1, 3, 4));
        k = Tf.add(graph, "Reshape", b + "/kernel", k, Tf.ints(graph, b + "/merge", ah, aw, out, (long) s * s * in));
        k = Tf.add(graph, "ReverseV2", b + "/kernel_flip", k, Tf.ints(graph, b + "/axes", 0, 1));
        TF_Output d = Tf.add(
                graph,
                "Pad",
                b + "/dy_pad",
                Tf.input(g, 2),
                Tf.paddings(graph, b + "/dy_pads", 0, 0, ah - 1, ah - 1 + extraH, aw - 1, aw - 1 + extraW, 0, 0));
        TF_Output z = Tf.add(
                graph,
                "Conv2D",
                b + "/conv",
                desc -> {
                    TF_SetAttrIntList(desc, "strides", new long[] {1, 1, 1, 1}, 4);
                    try (BytePointer valid = new BytePointer("VALID")) {
                        TF_SetAttrString(desc, "padding", valid, 5);
                    }
                },
                d,
                k);
        z = Tf.add(graph, "DepthToSpace", b + "/interleave", desc -> TF_SetAttrInt(desc, "block_size", s), z);
        TF_Output cropped = Tf.add(
                graph,
                "Slice",
                b + "/crop",
                z,
                Tf.ints(graph, b + "/begin", 0, top, left, 0),
                Tf.ints(graph, b + "/size", -1, dx[1], dx[2], in));
        replace(g, cropped);
        return true;
    }

    /** The static shape of the convolution's input, read through the {@code Shape} op that feeds input_sizes. */
    private long[] inputShape(TF_Operation g) {
        TF_Output sizes = Tf.input(g, 0);
        if (Tf.type(sizes.oper()).equals("Shape")) {
            return Tf.shape(graph, Tf.input(sizes.oper(), 0));
        }
        return Tf.shape(graph, new TF_Output().oper(g).index(0));
    }

    private static boolean known(long[] shape, int rank) {
        if (shape == null || shape.length != rank) {
            return false;
        }
        for (int i = 1; i < rank; i++) {
            if (shape[i] <= 0) {
                return false;
            }
        }
        return true;
    }

    private static long ceilDiv(long a, long b) {
        return Math.floorDiv(a + b - 1, b);
    }
}
