package io.salience.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.salience.engine.EngineProperties;
import io.salience.engine.SavedModelLoader;
import io.salience.model.DescriptorParser;
import io.salience.model.LoadedModel;
import io.salience.model.ModelDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Loads SavedModels directly (no Spring context, no pool); shared models take their input size from the signature, cached per JVM. Register with
 * {@code @ExtendWith(TestModels.class)} so the models are closed once, after the whole test run.
 */
public final class TestModels implements BeforeAllCallback {

    /** The six architecture fixtures of {@code src/test/resources/fixtures/arch}. */
    public static final List<String> ARCH =
            List.of("plain", "resnet", "concat", "mobilenetv2", "efficientnet", "nested");

    /** Every architecture fixture export, e.g. {@code plain/keras2}. */
    public static List<String> archExports() {
        List<String> out = new ArrayList<>();
        for (String a : ARCH) {
            out.add(a + "/keras2");
            out.add(a + "/keras3");
        }
        return out;
    }

    /**
     * The loadable export-path fixtures of {@code src/test/resources/fixtures/exports} (one tiny CNN saved the ways
     * people save models; {@code tools/reference/make_exports.py}).
     */
    public static final List<String> EXPORTS = List.of(
            "keras3-saved-model-fit",
            "keras3-export-fit",
            "keras2-saved-model",
            "tf-module",
            "keras3-preprocessing",
            "keras3-uint8");

    /** The export-path fixtures that cannot load (a variable without a value in the checkpoint). */
    public static final List<String> BROKEN_EXPORTS = List.of("broken-missing-value", "broken-object-graph");

    private static final Map<String, LoadedModel> CACHE = new ConcurrentHashMap<>();
    private static volatile SavedModelLoader loader;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot()
                .getStore(ExtensionContext.Namespace.create(TestModels.class))
                .computeIfAbsent("closer", k -> (AutoCloseable) TestModels::closeAll, AutoCloseable.class);
    }

    private static synchronized SavedModelLoader loader() {
        if (loader == null) {
            loader = new SavedModelLoader(EngineProperties.defaults());
        }
        return loader;
    }

    /** Loads the model described by a descriptor file (cached by its absolute path). */
    public static LoadedModel load(Path yaml) {
        return CACHE.computeIfAbsent(yaml.toAbsolutePath().normalize().toString(), k -> {
            DescriptorParser.Draft draft = DescriptorParser.parse(yaml);
            ModelDescriptor d = draft.descriptor();
            try {
                SavedModelLoader.LoadedGraph g = loader().load(d.name(), d.savedModel(), d.signature());
                try {
                    return new LoadedModel(
                            DescriptorParser.withSignatureSize(draft, g.graph().inputShape()), g);
                } catch (RuntimeException e) {
                    g.close();
                    throw e;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The demo model {@code models/idc-demo}. */
    public static LoadedModel demo() {
        return load(Path.of("models/idc-demo/model.yaml"));
    }

    /** The planted-signal demo model {@code models/planted-demo}. */
    public static LoadedModel planted() {
        return load(Path.of("models/planted-demo/model.yaml"));
    }

    /** An architecture fixture export, {@code name/keras2} or {@code name/keras3}. */
    public static LoadedModel arch(String export) {
        String[] p = export.split("/");
        return load(archDir(p[0]).resolve(p[1] + ".yaml"));
    }

    public static Path archDir(String name) {
        return Path.of("src/test/resources/fixtures/arch", name);
    }

    /** An export-path fixture's folder. */
    public static Path exportDir(String name) {
        return Path.of("src/test/resources/fixtures/exports", name);
    }

    /** A loadable export-path fixture, by its {@code model.yaml}. */
    public static LoadedModel export(String name) {
        return load(exportDir(name).resolve("model.yaml"));
    }

    /** A tiny hand-checkable model of {@code src/test/resources/fixtures/tiny} ({@code relu} or {@code tanh}). */
    public static LoadedModel tiny(String name) {
        return load(Path.of("src/test/resources/fixtures/tiny", name + ".yaml"));
    }

    /**
     * Writes the shipped models' descriptors (idc-demo, planted-demo) into {@code dir}, one folder each, pointing at
     * the committed SavedModels by absolute path, so that a test's {@code salience.models.dir} can hold them beside
     * descriptors of its own.
     */
    public static void writeShippedModels(Path dir) throws IOException {
        for (String m : List.of("idc-demo", "planted-demo")) {
            String yaml = Files.readString(Path.of("models", m, "model.yaml"))
                    .replace(
                            "savedModel: saved_model",
                            "savedModel: \""
                                    + Path.of("models", m, "saved_model").toAbsolutePath() + "\"");
            Files.createDirectories(dir.resolve(m));
            Files.writeString(dir.resolve(m).resolve("model.yaml"), yaml);
        }
    }

    /** The shared fixtures folder ({@code -Dsalience.shared-dir}, else {@code ../shared}). */
    public static Path sharedDir() {
        return Path.of(System.getProperty("salience.shared-dir", "../shared"));
    }

    /** A shared fixture's folder; skips the test when it is absent. */
    public static Path sharedFixture(String name) {
        Path dir = sharedDir().resolve("fixtures").resolve(name);
        assumeTrue(Files.isRegularFile(dir.resolve("model/saved_model.pb")), "shared fixture " + dir + " is absent");
        return dir;
    }

    /**
     * A third-party model of the shared fixtures ({@code brain-mri}, {@code braintumornet},
     * {@code mobilenet-gestures}), with a descriptor written by the test (in a temporary folder, pointing at the
     * shared SavedModel by absolute path; nothing is copied). Skips when the fixture is absent.
     */
    public static LoadedModel shared(String name) {
        Path dir = sharedFixture(name);
        String input =
                switch (name) {
                        // OpenCV BGR, cv2.resize (bilinear), keras.utils.normalize(x, axis=1): L2 along the height axis
                    case "brain-mri" -> """
                              colorMode: bgr
                              resize: bilinear
                              pipeline:
                                - l2-normalize: height
                            output:
                              kind: sigmoid
                              labels: [no, yes]
                            """;
                    case "braintumornet" -> """
                              colorMode: grayscale
                              resize: bilinear
                              pipeline:
                                - scale: 0.00392156862745098
                            output:
                              kind: sigmoid
                              labels: [no, yes]
                            """;
                    case "mobilenet-gestures" -> """
                              colorMode: grayscale
                              resize: bilinear
                              pipeline:
                                - scale: 0.00392156862745098
                            output:
                              kind: softmax
                              labels: [none, open-hand, thumbs-down, thumbs-up, fist]
                            """;
                    default -> throw new IllegalArgumentException(name);
                };
        String yaml = "name: " + name + "\nversion: \"1\"\nsavedModel: \""
                + dir.resolve("model").toAbsolutePath() + "\"\nsignature: serving_default\ninput:\n  layout: NHWC\n"
                + input;
        String key = "shared:" + name;
        LoadedModel cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        try {
            Path tmp = Files.createTempDirectory("salience-desc");
            Path file = tmp.resolve(name + ".yaml");
            Files.writeString(file, yaml);
            LoadedModel m = load(file);
            CACHE.put(key, m);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The same model loaded again with {@code salience.engine.simplify-gradients=false}: TensorFlow's own gradient
     * graphs, without {@code GradientSimplifier}'s rewrites (cached).
     */
    public static LoadedModel unsimplified(LoadedModel m) {
        return CACHE.computeIfAbsent(
                "unsimplified:" + m.descriptor().savedModel().toAbsolutePath(), k -> {
                    EngineProperties d = EngineProperties.defaults();
                    EngineProperties plain = new EngineProperties(
                            d.nativeCache(),
                            d.intraOpThreads(),
                            d.interOpThreads(),
                            d.device(),
                            d.gpuMemoryGrowth(),
                            d.gpuMemoryFraction(),
                            false);
                    ModelDescriptor desc = m.descriptor();
                    try {
                        return new LoadedModel(
                                desc,
                                new SavedModelLoader(plain).load(desc.name(), desc.savedModel(), desc.signature()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    private static synchronized void closeAll() {
        // the same model may be cached under two keys
        java.util.Set<LoadedModel> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        distinct.addAll(CACHE.values());
        distinct.forEach(LoadedModel::close);
        CACHE.clear();
    }

    /** For JUnit's extension instantiation. */
    public TestModels() {}
}
