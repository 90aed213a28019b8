package io.salience.attribution;

import io.salience.imaging.SegmentOutline;
import java.util.Map;

/**
 * A raw (unnormalised) saliency map, row-major {@code [height, width, channels]}.
 *
 * @param values the map
 * @param height rows
 * @param width columns
 * @param channels 1 for CAM-style maps, the input's channels for input-space attributions
 * @param extras method-specific facts for the response, e.g. {@code completenessGap}
 * @param layer the explained layer of the CAM family, else null
 * @param outline the segments a {@code render=segments} PNG outlines (segment-based methods), else null
 */
public record SaliencyMap(
        float[] values,
        int height,
        int width,
        int channels,
        Map<String, Object> extras,
        String layer,
        SegmentOutline outline) {

    public SaliencyMap {
        if ((long) height * width * channels != values.length) {
            throw new IllegalArgumentException(
                    "map has " + values.length + " values, not " + height + "x" + width + "x" + channels);
        }
        extras = Map.copyOf(extras);
    }

    public SaliencyMap(float[] values, int height, int width, int channels, Map<String, Object> extras, String layer) {
        this(values, height, width, channels, extras, layer, null);
    }

    public SaliencyMap(float[] values, int height, int width, int channels, Map<String, Object> extras) {
        this(values, height, width, channels, extras, null, null);
    }

    public SaliencyMap(float[] values, int height, int width, int channels) {
        this(values, height, width, channels, Map.of(), null, null);
    }

    /** Shape as {@code [height, width, channels]}. */
    public int[] shape() {
        return new int[] {height, width, channels};
    }
}
