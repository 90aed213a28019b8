package io.salience.imaging;

/** The image's header declares more pixels than the configured limit (HTTP 413). */
public final class ImageTooLargeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int width;
    private final int height;
    private final long maxPixels;

    /** Creates the exception for an image of {@code width} x {@code height} over {@code maxPixels}. */
    public ImageTooLargeException(int width, int height, long maxPixels) {
        super("Image is " + width + "x" + height + " = " + ((long) width * height) + " pixels; the limit is "
                + maxPixels + " pixels");
        this.width = width;
        this.height = height;
        this.maxPixels = maxPixels;
    }

    /** Declared width. */
    public int width() {
        return width;
    }

    /** Declared height. */
    public int height() {
        return height;
    }

    /** The limit that was exceeded. */
    public long maxPixels() {
        return maxPixels;
    }
}
