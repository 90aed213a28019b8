package io.salience.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The README's definition of a model's SHA-256, written out again for the tests (as {@code find saved_model.pb
 * variables -type f | LC_ALL=C sort | xargs sha256sum | sha256sum} would compute it), and plain SHA-256.
 */
final class ModelHashes {

    private ModelHashes() {}

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String savedModel(Path dir) {
        List<String> names = new ArrayList<>();
        names.add("saved_model.pb");
        try (Stream<Path> s = Files.list(dir.resolve("variables"))) {
            s.forEach(p -> names.add("variables/" + p.getFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        names.sort(String::compareTo); // ASCII names: byte order
        StringBuilder sums = new StringBuilder();
        for (String n : names) {
            try {
                sums.append(sha256(Files.readAllBytes(dir.resolve(n))))
                        .append("  ")
                        .append(n)
                        .append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sha256(sums.toString().getBytes(StandardCharsets.UTF_8));
    }
}
