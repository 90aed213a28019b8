package io.salience.model;

import io.salience.engine.ModelGraph;
import io.salience.engine.Outputs;
import io.salience.engine.Rows;
import io.salience.engine.SavedModelLoader;
import io.salience.graph.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tensorflow.proto.TensorInfo;

/**
 * A served model: its descriptor, its inlined graph, and the mapping between the graph's logits and the
 * descriptor's labels. Closing it releases the TensorFlow session.
 */
public final class LoadedModel implements AutoCloseable {

    private final ModelDescriptor descriptor;
    private final SavedModelLoader.LoadedGraph loaded;
    private final String sha256;

    /** A model whose {@link ModelDigest} is computed here. */
    public LoadedModel(ModelDescriptor descriptor, SavedModelLoader.LoadedGraph loaded) {
        this(descriptor, loaded, ModelDigest.of(descriptor.savedModel()));
    }

    /**
     * A model whose SavedModel has the given digest.
     *
     * @param sha256 the {@link ModelDigest} of its SavedModel
     */
    public LoadedModel(ModelDescriptor descriptor, SavedModelLoader.LoadedGraph loaded, String sha256) {
        this.descriptor = descriptor;
        this.loaded = loaded;
        this.sha256 = sha256;
        int k = loaded.graph().classes();
        int labels = descriptor.labels().size();
        String where = descriptor.source().getParent().getFileName() + "/"
                + descriptor.source().getFileName();
        if (descriptor.output() != OutputKind.SIGMOID && k == 1) {
            throw new DescriptorException(
                    where,
                    "output.kind",
                    "is " + descriptor.output().name().toLowerCase(Locale.ROOT)
                            + " but the model has a single output unit (activation "
                            + loaded.graph().logitsActivation()
                            + "); use kind: sigmoid with two labels [negative, positive]");
        }
        if (descriptor.output() == OutputKind.SIGMOID && k != 1) {
            throw new DescriptorException(
                    where,
                    "output.kind",
                    "is sigmoid but the model has " + k + " output units; use kind: softmax or logits");
        }
        if (descriptor.output() != OutputKind.SIGMOID && k != labels) {
            throw new DescriptorException(
                    where, "output.labels", "lists " + labels + " labels but the model has " + k + " output units");
        }
    }

    public ModelDescriptor descriptor() {
        return descriptor;
    }

    /** The {@link ModelDigest} of the SavedModel, computed once when it was loaded. */
    public String sha256() {
        return sha256;
    }

    public ModelGraph graph() {
        return loaded.graph();
    }

    /** The signature's input tensor. */
    public TensorSpec signatureInput() {
        return spec(loaded.input());
    }

    /** The signature's output tensor. */
    public TensorSpec signatureOutput() {
        return spec(loaded.output());
    }

    private static TensorSpec spec(TensorInfo t) {
        List<Long> shape =
                t.getTensorShape().getDimList().stream().map(d -> d.getSize()).toList();
        return new TensorSpec(
                t.getName(), t.getDtype().name().replace("DT_", "").toLowerCase(Locale.ROOT), shape);
    }

    /** Number of classes (labels). */
    public int classes() {
        return descriptor.labels().size();
    }

    /** Floats in one input image tensor. */
    public int inputLength() {
        return descriptor.input().tensorLength();
    }

    /**
     * The seed row that selects class {@code index}'s logit. For a single sigmoid unit the logit of class 1 is
     * {@code z} and that of class 0 is {@code -z} (log-odds), so both classes can be explained.
     */
    public float[] seed(int index) {
        float[] s = new float[graph().classes()];
        if (descriptor.output() == OutputKind.SIGMOID) {
            s[0] = index == 1 ? 1f : -1f;
        } else {
            s[index] = 1f;
        }
        return s;
    }

    /** Per-class logits of one row, from the graph's logits row (expands a sigmoid unit to [-z, z]). */
    public float[] classLogits(float[] graphLogits, int row) {
        int k = graph().classes();
        if (descriptor.output() == OutputKind.SIGMOID) {
            float z = graphLogits[row];
            return new float[] {-z, z};
        }
        float[] out = new float[k];
        System.arraycopy(graphLogits, row * k, out, 0, k);
        return out;
    }

    /** Class probabilities of one row, from the fetched logits and signature output. */
    public float[] probabilities(float[] graphLogits, float[] signatureOutput, int row) {
        int k = graph().classes();
        return switch (descriptor.output()) {
            case SOFTMAX -> {
                float[] p = new float[k];
                System.arraycopy(signatureOutput, row * k, p, 0, k);
                yield p;
            }
            case SIGMOID -> {
                float p = signatureOutput[row];
                yield new float[] {1f - p, p};
            }
            case LOGITS -> softmax(classLogits(graphLogits, row));
        };
    }

    /** Runs a prediction on {@code rows} images (each {@link #inputLength()} floats). */
    public List<float[]> predictRows(List<float[]> rows) {
        int n = rows.size();
        Outputs out = graph().predict(Rows.concat(rows), n);
        List<float[]> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(probabilities(out.get(0), out.get(1), i));
        }
        return result;
    }

    static float[] softmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            e[i] = Math.exp(z[i] - max);
            sum += e[i];
        }
        float[] p = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    @Override
    public void close() {
        loaded.close();
    }
}
