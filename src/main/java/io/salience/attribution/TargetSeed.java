package io.salience.attribution;

import io.salience.engine.Rows;
import io.salience.model.LoadedModel;
import io.salience.model.OutputKind;

/**
 * The seed row of one explanation and what the model answered for the explained input. The seed is known up front
 * for a given class or contrast; for the predicted class it is picked inside the method's first session run, so
 * predicting and explaining take one run. Until then {@link #seed()} returns a placeholder row that a
 * {@link GraphAccess} of the request recognises by identity and replaces with the predicted class inside the run.
 *
 * <p>The score and probabilities come from the first run that includes the explained input; {@link #observed()}
 * tells whether one has.
 */
public final class TargetSeed {

    private final float[] placeholder;
    private final int contrast;
    private float[] seed;
    private int index;
    private boolean observed;
    private float score;
    private float[] probabilities;

    private TargetSeed(float[] placeholder, float[] seed, int index, int contrast) {
        this.placeholder = placeholder;
        this.seed = seed;
        this.index = index;
        this.contrast = contrast;
    }

    /** A target whose class the model's prediction of the explained input picks. */
    public static TargetSeed predicted(LoadedModel model) {
        return new TargetSeed(new float[model.graph().classes()], null, -1, -1);
    }

    /** A target of a known class, or a contrast of two ({@code contrast >= 0}). */
    public static TargetSeed of(LoadedModel model, Target target) {
        float[] seed = model.seed(target.index());
        if (target.contrast() >= 0) {
            float[] other = model.seed(target.contrast());
            for (int i = 0; i < seed.length; i++) {
                seed[i] -= other[i];
            }
        }
        return new TargetSeed(null, seed, target.index(), target.contrast());
    }

    /** A target given by its seed row (its class is not named). */
    public static TargetSeed seeded(float[] seed) {
        return new TargetSeed(null, seed.clone(), -1, -1);
    }

    /** A known seed whose score is known too (no probabilities): for callers that ran the input themselves. */
    public static TargetSeed known(float[] seed, float score) {
        TargetSeed t = new TargetSeed(null, seed, -1, -1);
        t.observed = true;
        t.score = score;
        return t;
    }

    /** The seed row, or the placeholder row while the predicted class is not yet known. */
    public synchronized float[] seed() {
        return seed != null ? seed : placeholder;
    }

    /** The seed row to feed for {@code row}: the known seed, or null where the run must pick the predicted class. */
    synchronized float[] resolve(float[] row) {
        if (row == placeholder) {
            return seed;
        }
        return row;
    }

    /** Whether a run has included the explained input. */
    public synchronized boolean observed() {
        return observed;
    }

    /** The target score {@code seed · logits} at the explained input; only once {@link #observed()}. */
    public synchronized float score() {
        requireObserved();
        return score;
    }

    /** The explained input's class probabilities, or null for a {@link #known} target. */
    public synchronized float[] probabilities() {
        requireObserved();
        return probabilities;
    }

    /** The explained class. */
    public synchronized Target target() {
        requireObserved();
        return new Target(index, contrast);
    }

    /**
     * Records what a run answered for the explained input.
     *
     * @param model the model
     * @param logits the graph's logits row of the explained input
     * @param output the signature's output row
     * @param used the seed row that run back-propagated, or null when it ran no gradient (the predicted class is then
     *     picked here by the same rule as inside the graph)
     */
    synchronized void observe(LoadedModel model, float[] logits, float[] output, float[] used) {
        if (observed) {
            return;
        }
        if (seed == null) {
            // the seed row the graph used (a one-hot, or +-1) names its class by the same rule as the logits
            index = predictedClass(model, used != null ? used : logits);
            seed = model.seed(index);
        }
        score = Rows.dot(seed, logits);
        probabilities = model.probabilities(logits, output, 0);
        observed = true;
    }

    /**
     * The class the model predicts from its logits row, by the rule the gradient programs apply in the graph: the
     * first largest logit, or for one sigmoid unit class 1 when its logit is positive.
     */
    public static int predictedClass(LoadedModel model, float[] logits) {
        if (logits.length == 1 && model.descriptor().output() == OutputKind.SIGMOID) {
            return logits[0] > 0 ? 1 : 0;
        }
        return Rows.argmax(logits);
    }

    private void requireObserved() {
        if (!observed) {
            throw new IllegalStateException("no run has included the explained input yet");
        }
    }
}
