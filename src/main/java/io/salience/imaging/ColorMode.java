package io.salience.imaging;

/** Channel layout of a model's input tensor. */
public enum ColorMode {
    /** Red, green, blue. */
    RGB(3),
    /** Blue, green, red (OpenCV's {@code imread} order). */
    BGR(3),
    /** One channel, {@code 0.299 R + 0.587 G + 0.114 B} (ITU-R 601-2 luma, as PIL's mode "L"). */
    GRAYSCALE(1);

    private final int channels;

    ColorMode(int channels) {
        this.channels = channels;
    }

    /** Number of channels in the tensor: 3 for RGB and BGR, 1 for GRAYSCALE. */
    public int channels() {
        return channels;
    }
}
