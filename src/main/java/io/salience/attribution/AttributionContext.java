package io.salience.attribution;

import io.salience.imaging.PreparedImage;
import io.salience.model.LoadedModel;

/**
 * Everything a method needs for one explanation.
 *
 * @param model the model
 * @param image the preprocessed input (tensor and the resized picture, for baselines)
 * @param baselineImage an uploaded baseline, preprocessed the same way, or null
 * @param seed the seed row selecting the target logit (or a contrast of two)
 * @param targetScore the target score at the input
 * @param params the request's method parameters
 * @param graph session runs, through the pool
 * @param progress where a long method reports its progress
 */
public record AttributionContext(
        LoadedModel model,
        PreparedImage image,
        PreparedImage baselineImage,
        float[] seed,
        float targetScore,
        Params params,
        GraphAccess graph,
        Progress progress) {

    /** A context whose progress nobody watches. */
    public AttributionContext(
            LoadedModel model,
            PreparedImage image,
            PreparedImage baselineImage,
            float[] seed,
            float targetScore,
            Params params,
            GraphAccess graph) {
        this(model, image, baselineImage, seed, targetScore, params, graph, Progress.NONE);
    }

    /** The input tensor of one image, {@code [H, W, C]}. */
    public float[] input() {
        return image.tensor();
    }

    /** The smallest and the largest value of the input tensor. */
    public float[] inputRange() {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : input()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new float[] {min, max};
    }

    public int height() {
        return model.descriptor().input().height();
    }

    public int width() {
        return model.descriptor().input().width();
    }

    public int channels() {
        return model.descriptor().input().channels();
    }
}
