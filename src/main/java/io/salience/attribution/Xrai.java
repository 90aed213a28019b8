package io.salience.attribution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The region ranking of XRAI (Kapishnikov et al. 2019), PAIR saliency's "full" algorithm: starting from nothing, add
 * the segment whose not yet covered pixels have the highest mean attribution (its gain), until the image is covered;
 * segments that would add fewer than {@code minPixelDiff} new pixels are dropped. Each pixel's value is the gain of
 * the segment that covered it; pixels no segment covered get their own mean attribution.
 */
final class Xrai {

    private Xrai() {}

    /**
     * The ranked map.
     *
     * @param values the map, {@code [HW]}
     * @param ranks for each pixel the rank (1 = first added) of the segment that covered it
     */
    record Ranked(float[] values, int[] ranks) {}

    /**
     * Ranks segments by attribution gain.
     *
     * @param attr per-pixel attribution, {@code [HW]}
     * @param masks candidate segments (they may overlap), each {@code [HW]}
     * @param minPixelDiff smallest number of new pixels a segment must add
     * @param areaThreshold stop once this fraction of the image is covered (1 = all)
     */
    static Ranked rank(float[] attr, List<boolean[]> masks, int minPixelDiff, double areaThreshold) {
        int n = attr.length;
        double[] out = new double[n];
        java.util.Arrays.fill(out, Double.NEGATIVE_INFINITY);
        boolean[] current = new boolean[n];
        int covered = 0;
        Map<Integer, boolean[]> remaining = new LinkedHashMap<>();
        for (int i = 0; i < masks.size(); i++) {
            remaining.put(i, masks.get(i));
        }
        List<boolean[]> trace = new ArrayList<>();
        List<Double> traceGain = new ArrayList<>();
        while ((double) covered / n <= areaThreshold) {
            double bestGain = Double.NEGATIVE_INFINITY;
            Integer bestKey = null;
            List<Integer> drop = new ArrayList<>();
            for (Map.Entry<Integer, boolean[]> e : remaining.entrySet()) {
                boolean[] mask = e.getValue();
                int added = 0;
                double sum = 0;
                for (int p = 0; p < n; p++) {
                    if (mask[p] && !current[p]) {
                        added++;
                        sum += attr[p];
                    }
                }
                if (added < minPixelDiff) {
                    drop.add(e.getKey());
                    continue;
                }
                double gain = added == 0 ? Double.NEGATIVE_INFINITY : sum / added;
                if (gain > bestGain) {
                    bestGain = gain;
                    bestKey = e.getKey();
                }
            }
            drop.forEach(remaining::remove);
            if (remaining.isEmpty() || bestKey == null) {
                break;
            }
            boolean[] mask = remaining.remove(bestKey);
            boolean[] diff = new boolean[n];
            for (int p = 0; p < n; p++) {
                if (mask[p] && !current[p]) {
                    diff[p] = true;
                    current[p] = true;
                    covered++;
                    out[p] = bestGain;
                }
            }
            trace.add(diff);
            traceGain.add(bestGain);
        }
        boolean[] uncomputed = new boolean[n];
        double sum = 0;
        int count = 0;
        for (int p = 0; p < n; p++) {
            if (out[p] == Double.NEGATIVE_INFINITY) {
                uncomputed[p] = true;
                sum += attr[p];
                count++;
            }
        }
        float[] values = new float[n];
        for (int p = 0; p < n; p++) {
            values[p] = (float) (uncomputed[p] ? sum / count : out[p]);
        }
        // ranks: segments in order of decreasing gain, then the uncovered rest
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < trace.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(traceGain.get(b), traceGain.get(a)));
        int[] ranks = new int[n];
        int r = 1;
        for (int i : order) {
            boolean[] diff = trace.get(i);
            for (int p = 0; p < n; p++) {
                if (diff[p]) {
                    ranks[p] = r;
                }
            }
            r++;
        }
        if (count > 0) {
            for (int p = 0; p < n; p++) {
                if (uncomputed[p]) {
                    ranks[p] = r;
                }
            }
        }
        return new Ranked(values, ranks);
    }

    /** Per pixel, the maximum over channels of an {@code [HW, C]} map (PAIR's aggregation). */
    static float[] maxOverChannels(float[] map, int pixels, int channels) {
        float[] out = new float[pixels];
        for (int p = 0; p < pixels; p++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < channels; c++) {
                m = Math.max(m, map[p * channels + c]);
            }
            out[p] = m;
        }
        return out;
    }

    /**
     * The mean of integrated gradients from a black and a white constant image (the input's minimum and maximum), as
     * XRAI's default baselines, each the mean gradient over {@code steps} points spaced evenly from the baseline to
     * the input, both included (PAIR's rule for XRAI's base attribution).
     */
    static float[] baseAttribution(AttributionContext ctx, int steps) {
        float[] x = ctx.input();
        float[] range = ctx.inputRange();
        float[] low = new float[x.length];
        float[] high = new float[x.length];
        java.util.Arrays.fill(low, range[0]);
        java.util.Arrays.fill(high, range[1]);
        double[] alphas = new double[steps];
        double[] weights = new double[steps];
        for (int k = 0; k < steps; k++) {
            alphas[k] = steps == 1 ? 1 : (double) k / (steps - 1);
            weights[k] = 1.0 / steps;
        }
        float[] a = IntegratedGradientsMethod.integrate(ctx, x, low, alphas, weights);
        float[] b = IntegratedGradientsMethod.integrate(ctx, x, high, alphas, weights);
        float[] mean = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            mean[i] = (a[i] + b[i]) / 2;
        }
        return maxOverChannels(mean, ctx.height() * ctx.width(), ctx.channels());
    }
}
