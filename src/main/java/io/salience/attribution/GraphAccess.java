package io.salience.attribution;

import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import java.util.List;

/**
 * The session runs a saliency method may ask for. Implementations route every run through the inference pool, so
 * rows of concurrent requests are batched and concurrency stays bounded.
 */
public interface GraphAccess {

    /**
     * The most rows one session run takes ({@code salience.pool.max-batch}): a method that makes many inputs builds
     * at most this many at a time, so its memory stays bounded whatever its sample count.
     */
    int maxBatch();

    /** The target score {@code seed · logits} of each input. */
    float[] scores(List<float[]> inputs, float[] seed);

    /** The logits row of each input. */
    List<float[]> logits(List<float[]> inputs);

    /**
     * The target score {@code seed · logits} when the layer's output of {@code input} is replaced by each of
     * {@code activations} ({@code [h, w, c]} each); the layers below it do not run again.
     */
    float[] scoresFromLayer(LayerInfo layer, float[] input, List<float[]> activations, float[] seed);

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
