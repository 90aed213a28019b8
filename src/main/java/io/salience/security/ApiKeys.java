package io.salience.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The configured API keys, by the SHA-256 of each key; a presented key is hashed and compared in constant time. */
final class ApiKeys {

    private final List<SecurityProperties.Key> keys;

    private ApiKeys(List<SecurityProperties.Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /** The keys of the configuration and of the keys file; fails with the file and line of a malformed entry. */
    static ApiKeys of(SecurityProperties.ApiKey config) {
        List<SecurityProperties.Key> all = new ArrayList<>(config.keys());
        if (config.keysFile() != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(config.keysFile(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(
                        "salience.security.api-key.keys-file cannot be read: " + e.getMessage(), e);
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).replaceFirst("#.*", "").trim();
                if (line.isEmpty()) {
                    continue;
                }
                String[] f = line.split("\\s+");
                if (f.length < 2 || f.length > 3 || !f[1].matches("[0-9a-fA-F]{64}")) {
                    throw new IllegalStateException("salience.security.api-key.keys-file line " + (i + 1)
                            + ": expected 'principal sha256hex [authority,...]'");
                }
                List<String> authorities = f.length == 3 ? Arrays.asList(f[2].split(",")) : List.of();
                all.add(new SecurityProperties.Key(f[0], f[1], authorities));
            }
        }
        if (config.enabled() && all.isEmpty()) {
            throw new IllegalStateException(
                    "salience.security.api-key.enabled is true but no key is configured (keys or keys-file)");
        }
        return new ApiKeys(all);
    }

    /** The key whose hash is the presented key's, if any. Every configured key is compared. */
    Optional<SecurityProperties.Key> match(String presented) {
        byte[] hash = sha256(presented.getBytes(StandardCharsets.UTF_8));
        SecurityProperties.Key found = null;
        for (SecurityProperties.Key k : keys) {
            if (MessageDigest.isEqual(hash, HexFormat.of().parseHex(k.sha256().toLowerCase(Locale.ROOT)))) {
                found = k;
            }
        }
        return Optional.ofNullable(found);
    }

    int size() {
        return keys.size();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
