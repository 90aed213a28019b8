package io.salience.imaging;

/** Public entry to {@link Resampler} for float maps, e.g. a Grad-CAM map brought to the input size. */
public final class MapResizer {

    private MapResizer() {}

    /**
     * Resizes a row-major {@code [height, width, channels]} map. Sizes are given width first, as everywhere in
     * {@code imaging}.
     *
     * @return a new {@code [outHeight, outWidth, channels]} array
     */
    public static float[] resize(
            float[] map, int width, int height, int channels, int outWidth, int outHeight, ResizeMethod method) {
        if ((long) height * width * channels != map.length) {
            throw new IllegalArgumentException("map length does not match its shape");
        }
        int rowLength = width * channels;
        return Resampler.resize(
                (y, row) -> System.arraycopy(map, y * rowLength, row, 0, rowLength),
                width,
                height,
                channels,
                outWidth,
                outHeight,
                method);
    }
}
