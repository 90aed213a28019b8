package io.salience.imaging;

/** An axis of a single image tensor laid out as [height, width, channel]. */
public enum Axis {
    /** Rows (axis 1 of an NHWC batch). */
    HEIGHT,
    /** Columns (axis 2 of an NHWC batch). */
    WIDTH,
    /** Channels (axis 3 of an NHWC batch). */
    CHANNEL
}
