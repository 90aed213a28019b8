package io.salience.imaging;

/**
 * 256-entry colour maps for rendering values in [0, 1]. A value {@code v} selects entry {@link
 * #index(double) index(v)} = {@code min(255, floor(v * 256))}, as matplotlib's {@code Colormap}
 * does.
 */
public enum ColorMap {
    /** matplotlib's viridis (perceptually uniform, colour-blind safe, CC0). */
    VIRIDIS(ColorMapTables.VIRIDIS, true),
    /** matplotlib's inferno (perceptually uniform, colour-blind safe, CC0). */
    INFERNO(ColorMapTables.INFERNO, true),
    /**
     * The classic piecewise-linear jet: with {@code x = i / 255}, red = {@code clamp(1.5 - |4x - 3|)},
     * green = {@code clamp(1.5 - |4x - 2|)}, blue = {@code clamp(1.5 - |4x - 1|)}, each times 255
     * rounded half up (dark blue, blue, cyan, yellow, red, dark red).
     */
    JET(jet(), false),
    /** Linear grey, entry i = (i, i, i). */
    GRAY(gray(), true);

    /** Number of entries in every table. */
    public static final int SIZE = 256;

    private final int[] table;
    private final boolean colorBlindSafe;

    ColorMap(int[] table, boolean colorBlindSafe) {
        this.colorBlindSafe = colorBlindSafe;
        if (table.length != SIZE) {
            throw new IllegalStateException("colour map table must have " + SIZE + " entries");
        }
        this.table = table;
    }

    /**
     * Whether the map reads the same to people with the common colour-vision deficiencies: a monotonic lightness
     * ramp with no red-green opposition (viridis, inferno, gray; not jet).
     */
    public boolean colorBlindSafe() {
        return colorBlindSafe;
    }

    /** Entry {@code i} (0..255) as packed 0xRRGGBB. */
    public int rgb(int i) {
        if (i < 0 || i >= SIZE) {
            throw new IllegalArgumentException("colour map index must be in 0..255, got " + i);
        }
        return table[i];
    }

    /** The entry for a value in [0, 1] (clamped; NaN maps to 0) as packed 0xRRGGBB. */
    public int rgb(double value) {
        return table[index(value)];
    }

    /** The entry index for a value in [0, 1]: {@code min(255, floor(v * 256))}, clamped; NaN gives 0. */
    public static int index(double value) {
        if (!(value > 0)) {
            return 0;
        }
        return (int) Math.min(SIZE - 1, Math.floor(value * SIZE));
    }

    private static int[] jet() {
        int[] t = new int[SIZE];
        for (int i = 0; i < SIZE; i++) {
            t[i] = (jetChannel(i, 3) << 16) | (jetChannel(i, 2) << 8) | jetChannel(i, 1);
        }
        return t;
    }

    /**
     * {@code 255 * clamp(1.5 - |4i/255 - k|)} rounded half up, in exact integer arithmetic: {@code
     * floor(382.5 - d + 0.5) = 383 - d} with {@code d = |4i - 255k|}.
     */
    private static int jetChannel(int i, int k) {
        int d = Math.abs(4 * i - 255 * k);
        return Math.max(0, Math.min(255, 383 - d));
    }

    private static int[] gray() {
        int[] t = new int[SIZE];
        for (int i = 0; i < SIZE; i++) {
            t[i] = (i << 16) | (i << 8) | i;
        }
        return t;
    }
}
