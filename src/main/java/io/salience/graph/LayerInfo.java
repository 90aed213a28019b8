package io.salience.graph;

import java.util.List;

/**
 * A layer whose output can be explained by the CAM family.
 *
 * @param name the Keras layer path (e.g. {@code sequential/conv2d_2}); the last segment alone is accepted too
 * @param op the TensorFlow op producing the output
 * @param shape the output shape without the batch dimension, e.g. [h, w, c]
 * @param spatial whether the output is 4-D with height and width larger than 1
 */
public record LayerInfo(String name, String op, List<Long> shape, boolean spatial) {}
