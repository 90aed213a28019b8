package io.salience.attribution;

import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import java.util.List;

/**
 * The session runs a saliency method may ask for. Implementations route every run through the inference pool, so
 * rows of concurrent requests are batched and concurrency stays bounded.
 */
public interface GraphAccess {

    /** The pool's default {@code salience.pool.max-batch}. */
    int DEFAULT_MAX_BATCH = 64;

    /**
     * The most rows a method should have in flight in one call ({@code salience.pool.max-batch}): methods that make
     * many perturbed inputs (LIME, occlusion, RISE) build and submit them in chunks of this many rows, so their memory
     * is bounded whatever their sample count.
     */
    default int maxBatch() {
        return DEFAULT_MAX_BATCH;
    }

    /** The target score {@code seed · logits} of each input. */
    float[] scores(List<float[]> inputs, float[] seed);

    /** Gradients of {@code seed · logits} with respect to each input under a rectifier rule. */
    List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed);

    /** A layer's activations and the gradients of {@code seed · logits} with respect to them, for one input. */
    LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] input, float[] seed);

    /**
     * One input's gradient.
     *
     * @param score the target score at the input
     * @param values the gradient, same layout as the input
     */
    record Gradient(float score, float[] values) {}

    /**
     * A layer's activations and gradients, each {@code [h, w, c]}.
     *
     * @param score the target score
     */
    record LayerGradient(float score, float[] activations, float[] gradients, int height, int width, int channels) {}
}
