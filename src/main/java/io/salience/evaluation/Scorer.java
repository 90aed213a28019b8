package io.salience.evaluation;

import java.util.List;

/** The score of the explained target for each of a list of model inputs (one session run per batch). */
@FunctionalInterface
public interface Scorer {

    /** One score per input, in order. */
    float[] scores(List<float[]> inputs);
}
