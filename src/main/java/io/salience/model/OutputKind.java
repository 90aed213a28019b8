package io.salience.model;

/** What the signature's output holds. */
public enum OutputKind {
    /** Softmax probabilities over the labels. */
    SOFTMAX,
    /** One sigmoid unit: probability of label 1; label 0 gets {@code 1 - p}. */
    SIGMOID,
    /** Raw logits; the service applies a softmax for probabilities. */
    LOGITS
}
