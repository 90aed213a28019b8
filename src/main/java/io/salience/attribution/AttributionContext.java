package io.salience.attribution;

import io.salience.imaging.PreparedImage;
import io.salience.model.LoadedModel;

/**
 * Everything a method needs for one explanation.
 *
 * @param model the model
 * @param image the preprocessed input (tensor and the resized picture, for baselines)
 * @param baselineImage an uploaded baseline, preprocessed the same way, or null
 * @param target the explained target: its seed row, and the score once a run has included the input
 * @param params the request's method parameters
 * @param graph session runs, through the pool
 * @param progress where a long method reports its progress
 */
public record AttributionContext(
        LoadedModel model,
        PreparedImage image,
        PreparedImage baselineImage,
        TargetSeed target,
        Params params,
        GraphAccess graph,
        Progress progress) {

    /** A context with a known seed and target score. */
    public AttributionContext(
            LoadedModel model,
            PreparedImage image,
            PreparedImage baselineImage,
            float[] seed,
            float targetScore,
            Params params,
            GraphAccess graph,
            Progress progress) {
        this(model, image, baselineImage, TargetSeed.known(seed, targetScore), params, graph, progress);
    }

    /** A context with a known seed and target score, whose progress nobody watches. */
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

    /** The same context with its session runs going through {@code other}. */
    public AttributionContext withGraph(GraphAccess other) {
        return new AttributionContext(model, image, baselineImage, target, params, other, progress);
    }

    /**
     * The seed row selecting the target logit (or a contrast of two). For the predicted class, before the method's
     * first run, a placeholder that the request's {@link GraphAccess} fills in inside that run: pass it to the graph
     * as it is, and read it again after a run for the real row.
     */
    public float[] seed() {
        return target.seed();
    }

    /** The target score at the input; read it after a run that included the input (the graph's first run does). */
    public float targetScore() {
        return target.score();
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
