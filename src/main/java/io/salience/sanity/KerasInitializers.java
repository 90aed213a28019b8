package io.salience.sanity;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The weight initialisers a Keras model declares, read from the SavedModel's Keras metadata: {@code
 * keras_metadata.pb} (tf.keras / tf_keras), else the {@code metadata} JSON of the object graph's user objects
 * (older tf.keras). Keras 3 exports carry neither; then nothing is known.
 */
final class KerasInitializers {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Layer name -> its config ({@code kernel_initializer}, {@code bias_initializer}, ...). */
    private final Map<String, JsonNode> layers;

    private KerasInitializers(Map<String, JsonNode> layers) {
        this.layers = layers;
    }

    /** An empty set: every weight falls back to its statistics. */
    static KerasInitializers none() {
        return new KerasInitializers(Map.of());
    }

    /** Reads the metadata of a SavedModel folder; empty when it has none or cannot be read. */
    static KerasInitializers read(Path savedModel) {
        Map<String, JsonNode> layers = new HashMap<>();
        try {
            Path keras = savedModel.resolve("keras_metadata.pb");
            if (Files.isRegularFile(keras)) {
                for (String json : kerasMetadata(Files.readAllBytes(keras))) {
                    add(json, layers);
                }
            } else if (Files.isRegularFile(savedModel.resolve("saved_model.pb"))) {
                SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(savedModel.resolve("saved_model.pb")));
                for (MetaGraphDef meta : saved.getMetaGraphsList()) {
                    for (SavedObject o : meta.getObjectGraphDef().getNodesList()) {
                        if (o.hasUserObject()
                                && !o.getUserObject().getMetadata().isEmpty()) {
                            add(o.getUserObject().getMetadata(), layers);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return none();
        }
        return new KerasInitializers(layers);
    }

    /**
     * The initializer config of a weight ({@code {"class_name": ..., "config": {...}}}), or null: the layer is the
     * variable's name without its last segment, the config key is {@code <role>_initializer} ({@code kernel},
     * {@code bias}, {@code gamma}, {@code beta}, {@code moving_mean}, {@code moving_variance}, and {@code
     * depthwise_kernel} / {@code pointwise_kernel} as {@code depthwise_} / {@code pointwise_initializer}).
     */
    JsonNode initializer(String variable) {
        String v = variable.contains(":") ? variable.substring(0, variable.indexOf(':')) : variable;
        int slash = v.lastIndexOf('/');
        if (slash <= 0) {
            return null;
        }
        String layer = v.substring(0, slash);
        String role = v.substring(slash + 1);
        JsonNode config = layers.get(layer);
        if (config == null) {
            int inner = layer.lastIndexOf('/');
            config = inner >= 0 ? layers.get(layer.substring(inner + 1)) : null;
        }
        if (config == null) {
            return null;
        }
        String key =
                switch (role) {
                    case "depthwise_kernel" -> "depthwise_initializer";
                    case "pointwise_kernel" -> "pointwise_initializer";
                    default -> role + "_initializer";
                };
        JsonNode init = config.path(key);
        return init.isObject() && init.path("class_name").isString() ? init : null;
    }

    private static void add(String json, Map<String, JsonNode> layers) {
        try {
            JsonNode root = JSON.readTree(json);
            JsonNode config = root.path("config");
            if (config.isObject() && config.path("name").isString()) {
                layers.putIfAbsent(config.path("name").asString(), config);
            }
        } catch (JacksonException e) {
            // not a layer's metadata
        }
    }

    /**
     * The {@code metadata} strings of a {@code SavedMetadata} message (keras' saved_metadata.proto: {@code repeated
     * SavedObject nodes = 1}, each with {@code string metadata = 5}), read without the generated classes.
     */
    static java.util.List<String> kerasMetadata(byte[] bytes) throws IOException {
        java.util.List<String> out = new java.util.ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (tag >>> 3 == 1 && (tag & 7) == 2) {
                CodedInputStream node = CodedInputStream.newInstance(in.readByteArray());
                int t;
                while ((t = node.readTag()) != 0) {
                    if (t >>> 3 == 5 && (t & 7) == 2) {
                        out.add(node.readStringRequireUtf8());
                    } else {
                        node.skipField(t);
                    }
                }
            } else {
                in.skipField(tag);
            }
        }
        return out;
    }
}
