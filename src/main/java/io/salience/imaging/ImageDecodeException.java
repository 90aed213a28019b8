package io.salience.imaging;

/** The bytes are in a supported format but could not be decoded, e.g. truncated or corrupt (HTTP 422). */
public final class ImageDecodeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a client-safe message. */
    public ImageDecodeException(String message) {
        super(message);
    }

    /** Creates the exception with a client-safe message and the underlying cause (for logs only). */
    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
