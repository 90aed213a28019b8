package io.salience.graph;

/**
 * One backward branch of a gradient program: the gradient of the target with respect to the input ({@code layer ==
 * null}) or to a layer's output, under a rectifier rule. Several branches share one forward pass.
 *
 * @param layer the layer, or null for the input
 * @param rule the rectifier rule
 */
public record Branch(LayerInfo layer, Rule rule) {

    /** The input gradient under a rule. */
    public static Branch input(Rule rule) {
        return new Branch(null, rule);
    }

    /** A layer's activations and gradient under a rule. */
    public static Branch layer(LayerInfo layer, Rule rule) {
        return new Branch(layer, rule);
    }

    /** A stable name, e.g. {@code input:guided} or {@code layer:last_conv:plain}. */
    public String id() {
        return layer == null ? "input:" + rule.id() : "layer:" + layer.name() + ":" + rule.id();
    }
}
