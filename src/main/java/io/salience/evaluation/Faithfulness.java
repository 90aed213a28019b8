package io.salience.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Faithfulness metrics of a per-pixel map: the deletion and insertion curves (Petsiuk et al. 2018) and the
 * faithfulness correlation (Bhatt et al. 2020). Every model call goes through a {@link Scorer} in batches of at most
 * {@code maxBatch} rows, so memory stays bounded whatever the step count. Stateless.
 */
public final class Faithfulness {

    private Faithfulness() {}

    /**
     * A deletion or insertion curve.
     *
     * @param fractions the fraction of pixels removed (deletion) or inserted (insertion) at each point, 0 to 1
     * @param scores the target's score at each point
     * @param auc the area under the curve by the trapezoid rule over {@code fractions} (so in the scores' range:
     *     for probabilities, 0..1)
     */
    public record Curve(double[] fractions, float[] scores, double auc) {}

    /**
     * The pixels in the order a map ranks them: descending value, ties by ascending index (row-major), so the order
     * is deterministic.
     */
    public static int[] ranking(float[] map) {
        Integer[] idx = new Integer[map.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Float.compare(map[b], map[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[idx.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    /**
     * The deletion curve: starting from {@code input}, the pixels are replaced by {@code fill} in the map's order,
     * {@code floor(i * P / steps)} of them at point {@code i = 0..steps} (P pixels). A faithful map makes the score
     * drop fast: lower AUC is better.
     *
     * @param input the model input {@code [h, w, c]}
     * @param channels c
     * @param map one value per pixel ({@code h * w})
     * @param fill the filled tensor (same layout as the input)
     */
    public static Curve deletion(
            float[] input, int channels, float[] map, float[] fill, int steps, Scorer scorer, int maxBatch) {
        return curve(input, fill, channels, map, steps, scorer, maxBatch);
    }

    /**
     * The insertion curve: starting from {@code fill}, the pixels of {@code input} are put back in the map's order. A
     * faithful map makes the score rise fast: higher AUC is better.
     */
    public static Curve insertion(
            float[] input, int channels, float[] map, float[] fill, int steps, Scorer scorer, int maxBatch) {
        return curve(fill, input, channels, map, steps, scorer, maxBatch);
    }

    /** Moves pixels from {@code start} to {@code end} in the map's order, scoring {@code steps + 1} points. */
    private static Curve curve(
            float[] start, float[] end, int channels, float[] map, int steps, Scorer scorer, int maxBatch) {
        int pixels = map.length;
        if ((long) pixels * channels != start.length || start.length != end.length) {
            throw new IllegalArgumentException("map, input and fill sizes differ");
        }
        if (steps < 1 || steps > pixels) {
            throw new IllegalArgumentException("steps must be in 1.." + pixels + ", got " + steps);
        }
        int[] order = ranking(map);
        double[] fractions = new double[steps + 1];
        float[] scores = new float[steps + 1];
        float[] current = start.clone();
        int moved = 0;
        List<float[]> batch = new ArrayList<>();
        int first = 0;
        for (int i = 0; i <= steps; i++) {
            int target = (int) ((long) i * pixels / steps);
            for (; moved < target; moved++) {
                int p = order[moved];
                System.arraycopy(end, p * channels, current, p * channels, channels);
            }
            fractions[i] = (double) target / pixels;
            batch.add(current.clone());
            if (batch.size() == Math.max(1, maxBatch) || i == steps) {
                float[] s = scorer.scores(batch);
                System.arraycopy(s, 0, scores, first, s.length);
                first += s.length;
                batch.clear();
            }
        }
        return new Curve(fractions, scores, trapezoid(fractions, scores));
    }

    /** The trapezoid rule. */
    public static double trapezoid(double[] x, float[] y) {
        double area = 0;
        for (int i = 1; i < x.length; i++) {
            area += (x[i] - x[i - 1]) * ((double) y[i - 1] + y[i]) / 2.0;
        }
        return area;
    }

    /**
     * {@code runs} random subsets of {@code size} distinct pixels out of {@code pixels}, drawn by a partial
     * Fisher-Yates shuffle from {@code SplittableRandom(seed)}.
     */
    public static List<int[]> randomSubsets(int pixels, int size, int runs, long seed) {
        if (size < 1 || size >= pixels) {
            throw new IllegalArgumentException("subset size must be in 1.." + (pixels - 1) + ", got " + size);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] pool = new int[pixels];
        List<int[]> out = new ArrayList<>(runs);
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < pixels; i++) {
                pool[i] = i;
            }
            for (int i = 0; i < size; i++) {
                int j = i + random.nextInt(pixels - i);
                int t = pool[i];
                pool[i] = pool[j];
                pool[j] = t;
            }
            out.add(Arrays.copyOf(pool, size));
        }
        return out;
    }

    /**
     * Faithfulness correlation: the Pearson correlation, over the subsets, between the sum of the map over a subset
     * and the drop of the score when that subset's pixels are replaced by {@code fill}, as Quantus's
     * {@code FaithfulnessCorrelation}. NaN when either side is constant.
     *
     * @param scorer the score (Quantus: the logit, {@code softmax=False})
     */
    public static double correlation(
            float[] input, int channels, float[] map, float[] fill, List<int[]> subsets, Scorer scorer, int maxBatch) {
        float y = scorer.scores(List.of(input))[0];
        double[] sums = new double[subsets.size()];
        double[] drops = new double[subsets.size()];
        List<float[]> batch = new ArrayList<>();
        int first = 0;
        for (int r = 0; r < subsets.size(); r++) {
            float[] x = input.clone();
            double sum = 0;
            for (int p : subsets.get(r)) {
                System.arraycopy(fill, p * channels, x, p * channels, channels);
                sum += map[p];
            }
            sums[r] = sum;
            batch.add(x);
            if (batch.size() == Math.max(1, maxBatch) || r == subsets.size() - 1) {
                float[] s = scorer.scores(batch);
                for (int i = 0; i < s.length; i++) {
                    drops[first + i] = (double) y - s[i];
                }
                first += s.length;
                batch.clear();
            }
        }
        return pearson(sums, drops);
    }

    /** The Pearson correlation coefficient; NaN when either side is constant. */
    public static double pearson(double[] a, double[] b) {
        int n = a.length;
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < n; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= n;
        mb /= n;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < n; i++) {
            double da = a[i] - ma;
            double db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        if (saa == 0 || sbb == 0) {
            return Double.NaN;
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
