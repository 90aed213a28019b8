package io.salience.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Deletion, insertion and faithfulness correlation on a linear "model" whose scores are computed by hand: the score
 * of an input is {@code Σ w_p x_p}, one channel.
 */
class FaithfulnessTest {

    private static final float[] W = {0.4f, 0.1f, 0.3f, 0.2f};

    /** Counts calls and rows, and checks that no call exceeds the batch. */
    private static final class Linear implements Scorer {
        final float[] w;
        final int maxBatch;
        int calls;
        int rows;

        Linear(float[] w, int maxBatch) {
            this.w = w;
            this.maxBatch = maxBatch;
        }

        @Override
        public float[] scores(List<float[]> inputs) {
            assertThat(inputs.size()).isBetween(1, maxBatch);
            calls++;
            rows += inputs.size();
            float[] s = new float[inputs.size()];
            for (int i = 0; i < s.length; i++) {
                double acc = 0;
                for (int p = 0; p < w.length; p++) {
                    acc += w[p] * inputs.get(i)[p];
                }
                s[i] = (float) acc;
            }
            return s;
        }
    }

    @Test
    void deletionAndInsertionByHand() {
        float[] input = {1, 1, 1, 1};
        float[] fill = {0, 0, 0, 0};
        // the map ranks pixels 0, 2, 3, 1: removing them leaves 1.0, 0.6, 0.3, 0.1, 0
        Linear model = new Linear(W, 2);
        Faithfulness.Curve del = Faithfulness.deletion(input, 1, W, fill, 4, model, 2);
        assertThat(del.fractions()).containsExactly(0, 0.25, 0.5, 0.75, 1.0);
        assertThat(del.scores()).usingComparatorWithPrecision(1e-6f).containsExactly(1f, 0.6f, 0.3f, 0.1f, 0f);
        // 0.25 * ((1 + .6) / 2 + (.6 + .3) / 2 + (.3 + .1) / 2 + (.1 + 0) / 2)
        assertThat(del.auc()).isCloseTo(0.375, within(1e-6));
        assertThat(model.rows).isEqualTo(5);
        assertThat(model.calls).isEqualTo(3);

        Faithfulness.Curve ins = Faithfulness.insertion(input, 1, W, fill, 4, new Linear(W, 8), 8);
        assertThat(ins.scores()).usingComparatorWithPrecision(1e-6f).containsExactly(0f, 0.4f, 0.7f, 0.9f, 1f);
        assertThat(ins.auc()).isCloseTo(0.625, within(1e-6));

        // the reversed ranking is the worst: deletion 0.625, insertion 0.375
        float[] reversed = {-0.4f, -0.1f, -0.3f, -0.2f};
        assertThat(Faithfulness.deletion(input, 1, reversed, fill, 4, new Linear(W, 8), 8)
                        .auc())
                .isCloseTo(0.625, within(1e-6));
    }

    @Test
    void unevenStepsAndChannels() {
        // 3 pixels, 2 channels, 2 steps: points remove floor(i * 3 / 2) = 0, 1, 3 pixels
        float[] w = {1, 2, 3, 4, 5, 6};
        float[] input = {1, 1, 1, 1, 1, 1};
        float[] fill = new float[6];
        float[] map = {0.1f, 0.9f, 0.5f};
        Faithfulness.Curve c = Faithfulness.deletion(input, 2, map, fill, 2, new Linear(w, 4), 4);
        assertThat(c.fractions()).containsExactly(0, 1.0 / 3, 1.0);
        // pixel 1 (channels 3 + 4 = 7) goes first: 21, 14, 0
        assertThat(c.scores()).containsExactly(21f, 14f, 0f);
        assertThat(c.auc()).isCloseTo((21 + 14) / 2.0 / 3 + (14 + 0) / 2.0 * 2 / 3, within(1e-9));
    }

    @Test
    void tiesAreRankedByIndex() {
        assertThat(Faithfulness.ranking(new float[] {1, 3, 3, 0, 1})).containsExactly(1, 2, 0, 4, 3);
    }

    @Test
    void faithfulnessCorrelationOfTheTrueWeightsIsOne() {
        float[] w = new float[64];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 0.7) + 0.1f * i;
        }
        float[] input = new float[64];
        java.util.Arrays.fill(input, 1f);
        float[] fill = new float[64];
        List<int[]> subsets = Faithfulness.randomSubsets(64, 6, 50, 3);
        // removing a subset drops the score by exactly the sum of its weights
        assertThat(Faithfulness.correlation(input, 1, w, fill, subsets, new Linear(w, 16), 16))
                .isCloseTo(1.0, within(1e-5));
        float[] negated = new float[64];
        for (int i = 0; i < 64; i++) {
            negated[i] = -w[i];
        }
        assertThat(Faithfulness.correlation(input, 1, negated, fill, subsets, new Linear(w, 16), 16))
                .isCloseTo(-1.0, within(1e-5));
        // a constant map: every subset sums alike, the correlation is undefined
        float[] constant = new float[64];
        java.util.Arrays.fill(constant, 1f);
        assertThat(Faithfulness.correlation(input, 1, constant, fill, subsets, new Linear(w, 16), 16))
                .isNaN();
    }

    @Test
    void subsetsAreDistinctSeededAndSized() {
        List<int[]> a = Faithfulness.randomSubsets(100, 10, 20, 42);
        List<int[]> b = Faithfulness.randomSubsets(100, 10, 20, 42);
        assertThat(a).hasSize(20);
        List<Integer> all = new ArrayList<>();
        for (int r = 0; r < a.size(); r++) {
            assertThat(a.get(r)).containsExactly(b.get(r));
            Set<Integer> s = new HashSet<>();
            for (int p : a.get(r)) {
                assertThat(p).isBetween(0, 99);
                s.add(p);
                all.add(p);
            }
            assertThat(s).hasSize(10);
        }
        // 200 draws cover most of the 100 pixels (a fixed subset would not)
        assertThat(new HashSet<>(all).size()).isGreaterThan(70);
        assertThat(Faithfulness.randomSubsets(100, 10, 20, 43).get(0)).isNotEqualTo(a.get(0));
    }

    @Test
    void pearsonByHand() {
        assertThat(Faithfulness.pearson(new double[] {1, 2, 3}, new double[] {2, 4, 7}))
                .isCloseTo(0.9933992677987828, within(1e-12));
    }

    @Test
    void fills() {
        float[] x = {0.2f, -1f, 3f, 0.8f};
        assertThat(Fill.BLACK.apply(x, 2, 2, 1)).containsOnly(-1f);
        assertThat(Fill.MEAN.apply(x, 2, 2, 1)).containsOnly(0.75f);
        assertThat(Fill.sigma(224, 224)).isEqualTo(5.0);
        assertThat(Fill.sigma(32, 32)).isEqualTo(1.0);
        float[] blurred = Fill.BLUR.apply(x, 2, 2, 1);
        assertThat(blurred).hasSize(4);
        assertThat(blurred).isNotEqualTo(x);
    }
}
