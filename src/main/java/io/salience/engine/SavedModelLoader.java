package io.salience.engine;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.tensorflow.engine.SavedModelBundle;
import ai.djl.tensorflow.engine.TfSymbolBlock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/** Loads SavedModels through DJL's TensorFlow engine, with the session configured from {@link EngineProperties}. */
public final class SavedModelLoader {

    private static final Logger log = LoggerFactory.getLogger(SavedModelLoader.class);
    private static final Pattern MISSING_KEY = Pattern.compile("Key (\\S+) not found in checkpoint");

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
     * Loads a SavedModel, gives a value to every variable the signature reads ({@link ObjectGraphRestore} restores
     * those TensorFlow's TF1 session loader leaves unset) and inlines the signature.
     *
     * @param name the model's name, for DJL and for error messages
     * @param dir the SavedModel folder
     * @param signatureKey the signature, e.g. {@code serving_default}
     * @throws EngineException one sentence for people naming the model, the folder (its last two path segments)
     *     and what went wrong; TensorFlow's own text is logged at debug level
     */
    public LoadedGraph load(String name, Path dir, String signatureKey) throws IOException {
        Model model = Model.newInstance(name, "TensorFlow");
        try {
            try {
                model.load(dir, null, Map.of("ConfigProto", sessionConfig(), "SignatureDefKey", signatureKey));
            } catch (MalformedModelException | IOException | RuntimeException e) {
                throw new EngineException(unreadable(dir, e), e);
            }
            SavedModelBundle bundle = ((TfSymbolBlock) model.getBlock()).getSavedModelBundle();
            MetaGraphDef meta = bundle.getMetaGraphDef();
            SignatureDef sig = meta.getSignatureDefMap().get(signatureKey);
            if (sig == null) {
                throw new EngineException("the SavedModel has no signature '" + signatureKey + "'; it has "
                        + meta.getSignatureDefMap().keySet());
            }
            if (sig.getInputsCount() != 1 || sig.getOutputsCount() != 1) {
                throw new EngineException("signature '" + signatureKey + "' must have one input and one output; it has "
                        + sig.getInputsMap().keySet() + " -> "
                        + sig.getOutputsMap().keySet());
            }
            TensorInfo in = sig.getInputsMap().values().iterator().next();
            TensorInfo out = sig.getOutputsMap().values().iterator().next();
            String checkpoint = dir.resolve("variables").resolve("variables").toString();
            List<String> restored =
                    new ObjectGraphRestore(bundle.getGraph(), bundle.getSession(), meta, checkpoint).restore(sig);
            if (!restored.isEmpty()) {
                log.info(
                        "Model {}: TensorFlow's TF1 loader left {} variable(s) unset; restored them through the"
                                + " object graph: {}",
                        name,
                        restored.size(),
                        restored);
            }
            ModelGraph graph = new ModelGraph(
                    bundle.getGraph(),
                    bundle.getSession(),
                    meta.getGraphDef(),
                    in.getName(),
                    out.getName(),
                    props.simplifyGradients());
            return new LoadedGraph(model, graph, in, out, restored);
        } catch (RuntimeException e) {
            model.close();
            log.debug("Model {} failed to load from {}", name, dir, e);
            throw new EngineException(
                    "Model '" + name + "' (SavedModel folder " + folder(dir) + ") cannot be loaded: " + reason(e), e);
        }
    }

    /** The folder's last two path segments, e.g. {@code idc-demo/saved_model}. */
    static String folder(Path dir) {
        Path name = dir.getFileName();
        Path parent = dir.getParent() == null ? null : dir.getParent().getFileName();
        return parent == null ? String.valueOf(name) : parent + "/" + name;
    }

    /** The cause of a failure as the end of one sentence: lower-case start, one full stop. */
    private static String reason(RuntimeException e) {
        String text = e instanceof EngineException ? e.getMessage() : Tf.plain(e.getMessage());
        text = text == null || text.isBlank() ? e.getClass().getSimpleName() : text.strip();
        if (text.length() > 1 && Character.isUpperCase(text.charAt(0)) && Character.isLowerCase(text.charAt(1))) {
            text = Character.toLowerCase(text.charAt(0)) + text.substring(1);
        }
        return text.endsWith(".") ? text : text + ".";
    }

    /** Why TensorFlow could not load the folder at all; a key missing from the checkpoint names its variable. */
    private static String unreadable(Path dir, Exception e) {
        log.debug("TensorFlow cannot load {}", dir, e);
        String raw = String.valueOf(e.getMessage()).replace(dir.toAbsolutePath().toString(), folder(dir));
        Matcher missing = MISSING_KEY.matcher(raw);
        if (missing.find()) {
            String variable = variableOfKey(dir, missing.group(1));
            return variable == null
                    ? "the checkpoint has no value for " + missing.group(1).replace("/.ATTRIBUTES/VARIABLE_VALUE", "")
                    : "variable " + variable + " has no value in the checkpoint";
        }
        return "TensorFlow cannot load the SavedModel: " + Tf.plain(raw);
    }

    private static String variableOfKey(Path dir, String key) {
        try {
            SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
            for (MetaGraphDef meta : saved.getMetaGraphsList()) {
                if (meta.getMetaInfoDef().getTagsList().contains("serve")) {
                    return ObjectGraphRestore.variableOfKey(meta.getObjectGraphDef(), key);
                }
            }
        } catch (IOException e) {
            log.debug("Cannot read {} to name the variable of {}", dir, key, e);
        }
        return null;
    }

    /**
     * A DJL model with its inlined graph; closing it releases the session and the graph.
     *
     * @param restoredVariables variables the TF1 loader left unset and {@link ObjectGraphRestore} restored
     */
    public record LoadedGraph(
            Model model, ModelGraph graph, TensorInfo input, TensorInfo output, List<String> restoredVariables)
            implements AutoCloseable {
        @Override
        public void close() {
            model.close();
        }
    }
}
