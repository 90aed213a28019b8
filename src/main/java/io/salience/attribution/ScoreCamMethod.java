package io.salience.attribution;

import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.springframework.stereotype.Component;

/**
 * Score-CAM (Wang et al. 2020), gradient-free, as tf-keras-vis computes it: each channel of the layer, upsampled to
 * the input (bilinear, corners aligned, as {@code scipy.ndimage.zoom(order=1)}) and min-max normalised, masks the
 * input; the channel's weight is the target's probability on the masked input; the map is
 * {@code relu(Σ_k w_k A_k)}. The probability is the softmax of the logits at the target class, or, for a single
 * sigmoid unit or an {@code A-vs-B} contrast, the logistic of the target score. {@code channels} keeps the N channels
 * whose activations vary most (Faster Score-CAM, as tf-keras-vis {@code max_N}).
 */
@Component
public class ScoreCamMethod implements SaliencyMethod {

    /** Largest {@code channels}. */
    public static final int MAX_CHANNELS = 4096;

    private static final double EPS = 1e-7;

    static final ParamSpec CHANNELS = ParamSpec.integer(
            "channels",
            0,
            0,
            MAX_CHANNELS,
            "Channels used, the N whose activations vary most (Faster Score-CAM); 0 = all; one forward pass each");

    @Override
    public String name() {
        return "score-cam";
    }

    @Override
    public boolean usesLayer() {
        return true;
    }

    @Override
    public String description() {
        return "Score-CAM (Wang et al. 2020): channels weighted by the target probability of the input masked with"
                + " each upsampled channel; no gradients.";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(CHANNELS);
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        LayerInfo layer = CamMethod.layer(ctx);
        GraphAccess.LayerGradient lg = ctx.graph().layerGradients(layer, Rule.PLAIN, ctx.input(), ctx.seed());
        int h = lg.height();
        int w = lg.width();
        int c = lg.channels();
        float[] a = lg.activations();
        int[] channels = topChannelsByStd(a, h * w, c, ctx.params().integer(CHANNELS));
        float[] x = ctx.input();
        int inH = ctx.height();
        int inW = ctx.width();
        int inC = ctx.channels();
        double[] weights = new double[c];
        int chunk = Math.max(1, ctx.graph().maxBatch());
        for (int from = 0; from < channels.length; from += chunk) {
            int to = Math.min(channels.length, from + chunk);
            List<float[]> masked = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                float[] mask = normalisedUpsampled(a, h, w, c, channels[i], inH, inW);
                float[] m = new float[x.length];
                for (int px = 0, j = 0; px < mask.length; px++) {
                    float v = mask[px];
                    for (int ch = 0; ch < inC; ch++, j++) {
                        m[j] = x[j] * v;
                    }
                }
                masked.add(m);
            }
            List<float[]> logits = ctx.graph().logits(masked);
            for (int i = from; i < to; i++) {
                weights[channels[i]] = targetProbability(ctx.seed(), logits.get(i - from));
            }
            ctx.progress().update(to, channels.length, "channels");
        }
        float[] cam = CamMethod.weightedRelu(a, weights, h * w, c);
        return new SaliencyMap(cam, h, w, 1, Map.of("channelsUsed", channels.length), layer.name());
    }

    /** The {@code n} channels with the largest standard deviation over pixels (all when n is 0 or at least c). */
    static int[] topChannelsByStd(float[] a, int pixels, int c, int n) {
        if (n <= 0 || n >= c) {
            return IntStream.range(0, c).toArray();
        }
        double[] mean = new double[c];
        double[] sq = new double[c];
        for (int i = 0; i < a.length; i++) {
            mean[i % c] += a[i];
            sq[i % c] += (double) a[i] * a[i];
        }
        double[] std = new double[c];
        for (int k = 0; k < c; k++) {
            double m = mean[k] / pixels;
            std[k] = Math.sqrt(Math.max(0, sq[k] / pixels - m * m));
        }
        return IntStream.range(0, c)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer k) -> -std[k]).thenComparingInt(k -> k))
                .limit(n)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /**
     * Channel {@code k} of {@code [h, w, c]} activations resized to {@code [outH, outW]} by linear interpolation
     * with the corners aligned ({@code scipy.ndimage.zoom(order=1)}), then scaled to [0, 1] by its min and max.
     */
    static float[] normalisedUpsampled(float[] a, int h, int w, int c, int k, int outH, int outW) {
        float[] out = new float[outH * outW];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        // the columns' source indices and weights, the same for every row
        int[] x0 = new int[outW];
        int[] x1 = new int[outW];
        double[] fx = new double[outW];
        for (int xx = 0; xx < outW; xx++) {
            double sx = outW == 1 ? 0 : (double) xx * (w - 1) / (outW - 1);
            x0[xx] = (int) Math.floor(sx);
            x1[xx] = Math.min(w - 1, x0[xx] + 1);
            fx[xx] = sx - x0[xx];
        }
        // each source row interpolated along x once (the inner sums of the bilinear formula), then blended per row
        double[][] rows = new double[h][];
        for (int y = 0; y < outH; y++) {
            double sy = outH == 1 ? 0 : (double) y * (h - 1) / (outH - 1);
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(h - 1, y0 + 1);
            double fy = sy - y0;
            double[] top = horizontal(rows, a, y0, w, c, k, x0, x1, fx);
            double[] bottom = horizontal(rows, a, y1, w, c, k, x0, x1, fx);
            int o = y * outW;
            for (int xx = 0; xx < outW; xx++) {
                double v = (1 - fy) * top[xx] + fy * bottom[xx];
                out[o + xx] = (float) v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) ((out[i] - min) / (max - min + EPS));
        }
        return out;
    }

    /** Source row {@code g} of channel {@code k} interpolated at every output column (once per channel). */
    private static double[] horizontal(
            double[][] rows, float[] a, int g, int w, int c, int k, int[] x0, int[] x1, double[] fx) {
        double[] r = rows[g];
        if (r == null) {
            r = new double[fx.length];
            int base = g * w;
            for (int xx = 0; xx < r.length; xx++) {
                r[xx] = (1 - fx[xx]) * a[(base + x0[xx]) * c + k] + fx[xx] * a[(base + x1[xx]) * c + k];
            }
            rows[g] = r;
        }
        return r;
    }

    /**
     * The probability of the target selected by {@code seed}: the softmax at the class for a one-hot seed over
     * several logits, else the logistic of {@code seed · logits} (a sigmoid unit, or a contrast of two classes).
     */
    static double targetProbability(float[] seed, float[] logits) {
        int index = -1;
        int nonZero = 0;
        for (int i = 0; i < seed.length; i++) {
            if (seed[i] != 0) {
                nonZero++;
                index = i;
            }
        }
        if (logits.length > 1 && nonZero == 1 && seed[index] == 1f) {
            double max = Double.NEGATIVE_INFINITY;
            for (float z : logits) {
                max = Math.max(max, z);
            }
            double sum = 0;
            for (float z : logits) {
                sum += Math.exp(z - max);
            }
            return Math.exp(logits[index] - max) / sum;
        }
        double score = 0;
        for (int i = 0; i < seed.length; i++) {
            score += (double) seed[i] * logits[i];
        }
        return 1 / (1 + Math.exp(-score));
    }
}
