package io.salience.imaging;

/** An axis of a single image tensor laid out as [height, width, channel]. */
public enum Axis {
    /** Rows (axis 1 of an NHWC batch). */
    HEIGHT,
    /** Columns (axis 2 of an NHWC batch). */
    WIDTH,
    /** Channels (axis 3 of an NHWC batch). */
    CHANNEL;

    /** The axis spelled in any case ({@code height}, {@code width}, {@code channel}). */
    public static Axis parse(String value) {
        for (Axis a : values()) {
            if (a.name().equalsIgnoreCase(value.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("must be one of height, width, channel, got '" + value + "'");
    }
}
