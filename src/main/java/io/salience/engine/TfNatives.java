package io.salience.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the TensorFlow natives of {@code org.tensorflow:tensorflow-core-native} available to DJL without any
 * download: the three libraries are extracted once from the jar on the class path into a cache folder, and
 * {@code TENSORFLOW_LIBRARY_PATH} points DJL at them. DJL's offline mode is switched on as well, so a missing
 * library fails loudly instead of fetching one.
 */
public final class TfNatives {

    /** Property read by DJL's TensorFlow engine to find {@code libjnitensorflow.so}. */
    public static final String LIBRARY_PATH_PROPERTY = "TENSORFLOW_LIBRARY_PATH";

    private static final Logger log = LoggerFactory.getLogger(TfNatives.class);
    private static final List<String> LIBRARIES =
            List.of("libtensorflow_framework.so.2", "libtensorflow_cc.so.2", "libjnitensorflow.so");
    private static final List<String> CLASSIFIERS = List.of("linux-x86_64-gpu", "linux-x86_64");
    private static final String RESOURCE_ROOT = "org/tensorflow/internal/c_api/";

    private static volatile Path installed;

    private TfNatives() {}

    /**
     * Extracts the natives into {@code cacheRoot} (if not there yet) and configures DJL to use them. Idempotent and
     * thread-safe; later calls return the folder of the first one.
     *
     * @param cacheRoot folder under which a version- and classifier-specific subfolder is created
     * @return the folder holding the libraries
     */
    public static synchronized Path install(Path cacheRoot) {
        if (installed != null) {
            return installed;
        }
        System.setProperty("ai.djl.offline", "true");
        String external = System.getenv(LIBRARY_PATH_PROPERTY);
        if (external != null && !external.isBlank()) {
            log.info("Using TensorFlow natives from {} (environment)", external);
            installed = Path.of(external);
            return installed;
        }
        String classifier = detectClassifier();
        String version = nativesVersion();
        Path dir = cacheRoot.resolve(version + "-" + classifier);
        try {
            Files.createDirectories(dir);
            for (String lib : LIBRARIES) {
                extract(RESOURCE_ROOT + classifier + "/" + lib, dir.resolve(lib));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot extract the TensorFlow natives into " + dir, e);
        }
        System.setProperty(LIBRARY_PATH_PROPERTY, dir.toString());
        log.info("TensorFlow natives {} ({}) ready in {}", version, classifier, dir);
        installed = dir;
        return dir;
    }

    /** Whether the CUDA build of the natives is on the class path. */
    public static boolean gpuBuild() {
        return "linux-x86_64-gpu".equals(detectClassifier());
    }

    private static String detectClassifier() {
        ClassLoader loader = TfNatives.class.getClassLoader();
        for (String classifier : CLASSIFIERS) {
            if (loader.getResource(RESOURCE_ROOT + classifier + "/libjnitensorflow.so") != null) {
                return classifier;
            }
        }
        throw new IllegalStateException("No TensorFlow natives on the class path: add"
                + " org.tensorflow:tensorflow-core-native with classifier linux-x86_64 or linux-x86_64-gpu");
    }

    private static String nativesVersion() {
        Package pkg = org.tensorflow.internal.c_api.TF_Graph.class.getPackage();
        URL props = TfNatives.class
                .getClassLoader()
                .getResource("META-INF/maven/org.tensorflow/tensorflow-core-native/pom.properties");
        if (props != null) {
            try (InputStream in = props.openStream()) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            } catch (IOException e) {
                log.debug("Cannot read natives version", e);
            }
        }
        return pkg != null && pkg.getImplementationVersion() != null ? pkg.getImplementationVersion() : "unknown";
    }

    private static void extract(String resource, Path target) throws IOException {
        URL url = TfNatives.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IOException("Missing native resource " + resource);
        }
        long expected = url.openConnection().getContentLengthLong();
        if (Files.isRegularFile(target) && (expected < 0 || Files.size(target) == expected)) {
            return;
        }
        log.info("Extracting {} ...", target.getFileName());
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        try (InputStream in = url.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
