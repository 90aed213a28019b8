package io.salience.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The SHA-256 that identifies a SavedModel's weights and graph. What is hashed: {@code saved_model.pb} and every
 * regular file under {@code variables/}, by their paths relative to the SavedModel folder ({@code /} separated),
 * sorted by those paths as byte strings; the digest is the SHA-256 of the lines {@code <sha256 of the file, hex>
 * <two spaces><path>\n}, which is what {@code cd saved_model && find saved_model.pb variables -type f | LC_ALL=C sort
 * | xargs sha256sum | sha256sum} prints. Other files (fingerprint.pb, keras_metadata.pb, assets) are not hashed.
 */
public final class ModelDigest {

    private ModelDigest() {}

    /** The files hashed, relative to {@code savedModel}, in hashing order. */
    public static List<String> files(Path savedModel) {
        List<String> out = new ArrayList<>();
        if (Files.isRegularFile(savedModel.resolve("saved_model.pb"))) {
            out.add("saved_model.pb");
        }
        Path variables = savedModel.resolve("variables");
        if (Files.isDirectory(variables)) {
            try (Stream<Path> s = Files.walk(variables)) {
                s.filter(Files::isRegularFile)
                        .map(p -> savedModel.relativize(p).toString().replace('\\', '/'))
                        .forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list " + variables.getFileName(), e);
            }
        }
        out.sort((a, b) -> compareBytes(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    /** The SavedModel's digest, 64 lowercase hex digits. */
    public static String of(Path savedModel) {
        MessageDigest manifest = sha256();
        for (String name : files(savedModel)) {
            String line = hex(fileDigest(savedModel.resolve(name))) + "  " + name + "\n";
            manifest.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return hex(manifest.digest());
    }

    /** SHA-256 of some bytes, hex. */
    public static String sha256Hex(byte[] data) {
        return hex(sha256().digest(data));
    }

    private static byte[] fileDigest(Path file) {
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStreamSink.INSTANCE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file.getFileName(), e);
        }
        return md.digest();
    }

    private static int compareBytes(byte[] a, byte[] b) {
        return java.util.Arrays.compareUnsigned(a, b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** Discards what it is given. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
