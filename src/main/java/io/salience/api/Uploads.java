package io.salience.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.springframework.web.multipart.MultipartFile;

/** Reading uploaded parts. */
final class Uploads {

    private Uploads() {}

    /** The part's bytes, or null for an absent part. */
    static byte[] bytes(MultipartFile f) {
        if (f == null) {
            return null;
        }
        try {
            return f.getBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the upload", e);
        }
    }
}
