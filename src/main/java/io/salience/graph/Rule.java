package io.salience.graph;

/** Backward rule for rectifier units (Relu, Relu6, LeakyRelu, Elu, Selu). */
public enum Rule {
    /** The true gradient. */
    PLAIN,
    /** Guided backpropagation (Springenberg et al. 2014): {@code f'(x) * max(g, 0)}. */
    GUIDED,
    /** DeconvNet (Zeiler and Fergus 2014): {@code max(g, 0)}, regardless of the forward input. */
    DECONVNET;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
