package io.salience.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Model folders written for tests: descriptors pointing at real SavedModels by absolute path. */
final class TestModels {

    /** The committed demo SavedModel. */
    static final Path DEMO_SAVED_MODEL =
            Path.of("models", "idc-demo", "saved_model").toAbsolutePath();

    /** The broken descriptor's folder and file, as the registry names it. */
    static final String BROKEN_KEY = "broken/model.yaml";

    private TestModels() {}

    /** A fresh temporary models folder, deleted when the JVM exits. */
    static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** idc-demo (by absolute path to the committed SavedModel) and a descriptor with {@code colorMode: purple}. */
    static Path demoWithBroken() {
        Path dir = demoOnly();
        write(
                dir.resolve(BROKEN_KEY),
                """
                name: broken
                savedModel: %s
                input:
                  width: 50
                  height: 50
                  colorMode: purple
                output:
                  kind: softmax
                  labels: [a, b]
                """
                        .formatted(yamlPath(DEMO_SAVED_MODEL)));
        return dir;
    }

    /** A fresh models folder holding only idc-demo, by absolute path to the committed SavedModel. */
    static Path demoOnly() {
        Path dir = tempDir("salience-api-models");
        write(
                dir.resolve("idc-demo/model.yaml"),
                """
                name: idc-demo
                version: "1.0.0"
                description: demo model under test
                savedModel: %s
                signature: serving_default
                input:
                  layout: NHWC
                  width: 50
                  height: 50
                  colorMode: rgb
                  resize: bilinear
                  pipeline:
                    - scale: 0.00392156862745098
                output:
                  kind: softmax
                  labels: [no-idc, idc]
                """
                        .formatted(yamlPath(DEMO_SAVED_MODEL)));
        return dir;
    }

    static String yamlPath(Path p) {
        return "'" + p.toAbsolutePath().toString().replace("'", "''") + "'";
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
