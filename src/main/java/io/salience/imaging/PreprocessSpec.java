package io.salience.imaging;

import java.util.List;
import java.util.Objects;

/**
 * How an uploaded image becomes a model's input tensor: convert to {@code colorMode} (float values
 * 0..255), resize to {@code width} x {@code height} with {@code resize}, then apply {@code steps}
 * in order. See {@link Preprocessor}.
 *
 * @param width model input width in pixels, 1..{@value #MAX_SIDE}
 * @param height model input height in pixels, 1..{@value #MAX_SIDE}
 * @param colorMode channel layout of the tensor
 * @param resize interpolation method
 * @param steps value transformations, applied in order (copied; may be empty)
 */
public record PreprocessSpec(int width, int height, ColorMode colorMode, ResizeMethod resize, List<ValueStep> steps) {

    /** Largest accepted model input side. */
    public static final int MAX_SIDE = 8192;

    /** Validates sizes and the per-channel lengths of the steps. */
    public PreprocessSpec {
        if (width < 1 || width > MAX_SIDE || height < 1 || height > MAX_SIDE) {
            throw new IllegalArgumentException(
                    "input size must be between 1 and " + MAX_SIDE + " pixels per side, got " + width + "x" + height);
        }
        Objects.requireNonNull(colorMode, "colour mode must not be null");
        Objects.requireNonNull(resize, "resize method must not be null");
        Objects.requireNonNull(steps, "steps must not be null (use an empty list)");
        for (ValueStep step : steps) {
            Objects.requireNonNull(step, "steps must not contain null");
        }
        steps = List.copyOf(steps);
        int channels = colorMode.channels();
        for (int i = 0; i < steps.size(); i++) {
            ValueStep step = steps.get(i);
            int length = step.perChannelLength();
            if (length != 1 && length != channels) {
                throw new IllegalArgumentException("step " + (i + 1) + " has " + length + " per-channel values but "
                        + colorMode + " has " + channels + " channel(s); give 1 or " + channels);
            }
        }
    }

    /** Number of channels of the tensor ({@code colorMode().channels()}). */
    public int channels() {
        return colorMode.channels();
    }

    /** Number of floats in one image's tensor: {@code height * width * channels}. */
    public int tensorLength() {
        return height * width * channels();
    }
}
