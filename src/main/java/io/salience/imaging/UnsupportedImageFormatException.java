package io.salience.imaging;

/** The bytes are not an image in a format that {@link ImageDecoder} reads (HTTP 415). */
public final class UnsupportedImageFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; the message ends with the list of supported formats. */
    public UnsupportedImageFormatException(String reason) {
        super(reason + "; supported image formats: " + ImageFormat.supportedList());
    }
}
