package io.salience.engine;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.tensorflow.engine.SavedModelBundle;
import ai.djl.tensorflow.engine.TfSymbolBlock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/** Loads SavedModels through DJL's TensorFlow engine, with the session configured from {@link EngineProperties}. */
public final class SavedModelLoader {

    private final EngineProperties props;

    public SavedModelLoader(EngineProperties props) {
        this.props = props;
        TfNatives.install(props.nativeCache());
    }

    /** Session configuration: thread pools, device, GPU memory. */
    public ConfigProto sessionConfig() {
        ConfigProto.Builder b = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(props.intraOpThreads())
                .setInterOpParallelismThreads(props.interOpThreads())
                .setAllowSoftPlacement(true);
        int gpu = props.gpuIndex();
        if (gpu < 0) {
            b.putDeviceCount("GPU", 0);
        } else {
            GPUOptions.Builder g = GPUOptions.newBuilder()
                    .setAllowGrowth(props.gpuMemoryGrowth())
                    .setVisibleDeviceList("" + gpu);
            if (props.gpuMemoryFraction() > 0) {
                g.setPerProcessGpuMemoryFraction(props.gpuMemoryFraction());
            }
            b.setGpuOptions(g);
        }
        return b.build();
    }

    /**
     * Loads a SavedModel and inlines the given signature.
     *
     * @param name a name for DJL
     * @param dir the SavedModel folder
     * @param signatureKey the signature, e.g. {@code serving_default}
     */
    public LoadedGraph load(String name, Path dir, String signatureKey) throws IOException {
        Model model = Model.newInstance(name, "TensorFlow");
        try {
            model.load(dir, null, Map.of("ConfigProto", sessionConfig(), "SignatureDefKey", signatureKey));
            SavedModelBundle bundle = ((TfSymbolBlock) model.getBlock()).getSavedModelBundle();
            MetaGraphDef meta = bundle.getMetaGraphDef();
            SignatureDef sig = meta.getSignatureDefMap().get(signatureKey);
            if (sig == null) {
                throw new EngineException("The SavedModel has no signature '" + signatureKey + "'; it has "
                        + meta.getSignatureDefMap().keySet());
            }
            if (sig.getInputsCount() != 1 || sig.getOutputsCount() != 1) {
                throw new EngineException("Signature '" + signatureKey + "' must have one input and one output; it has "
                        + sig.getInputsMap().keySet() + " -> "
                        + sig.getOutputsMap().keySet());
            }
            TensorInfo in = sig.getInputsMap().values().iterator().next();
            TensorInfo out = sig.getOutputsMap().values().iterator().next();
            ModelGraph graph = new ModelGraph(
                    bundle.getGraph(),
                    bundle.getSession(),
                    meta.getGraphDef(),
                    in.getName(),
                    out.getName(),
                    props.simplifyGradients());
            return new LoadedGraph(model, graph, in, out);
        } catch (MalformedModelException | RuntimeException e) {
            model.close();
            if (e instanceof EngineException ee) {
                throw ee;
            }
            throw new EngineException("Cannot load the SavedModel: " + e.getMessage(), e);
        }
    }

    /** A DJL model with its inlined graph; closing it releases the session and the graph. */
    public record LoadedGraph(Model model, ModelGraph graph, TensorInfo input, TensorInfo output)
            implements AutoCloseable {
        @Override
        public void close() {
            model.close();
        }
    }
}
