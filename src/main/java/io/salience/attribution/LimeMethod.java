package io.salience.attribution;

import io.salience.imaging.SegmentOutline;
import io.salience.imaging.Segmentation;
import io.salience.imaging.Superpixels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.ejml.EjmlParameters;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.springframework.stereotype.Component;

/**
 * LIME for images (Ribeiro, Singh and Guestrin 2016), as the {@code lime} package's {@code LimeImageExplainer}: the
 * picture is cut into superpixels; each sample switches every superpixel on or off at random (the first sample keeps
 * them all), hidden superpixels are replaced ({@code hide}); the target score of every sample is fitted by a ridge
 * regression (alpha 1, with intercept) weighted by the kernel {@code sqrt(exp(-d² / kernelWidth²))} of the cosine
 * distance {@code d} between the sample and the all-on vector. The map gives each pixel its superpixel's weight.
 */
@Component
public class LimeMethod implements SaliencyMethod {

    /** Default number of perturbation samples. */
    public static final int DEFAULT_SAMPLES = 1000;
    /** Largest number of perturbation samples. */
    public static final int MAX_SAMPLES = 10_000;
    /** Default number of superpixels asked of the segmenter. */
    public static final int DEFAULT_SEGMENTS = 50;
    /** Largest number of superpixels. */
    public static final int MAX_SEGMENTS = 500;
    /** Ridge penalty of the final fit, as {@code lime_base} ({@code Ridge(alpha=1)}). */
    static final double ALPHA = 1.0;
    /** Rows per block when the normal equations are accumulated. */
    private static final int BLOCK = 256;

    /** What replaces a hidden superpixel. */
    public enum Hide {
        /** The superpixel's own mean colour (the {@code lime} package's default, {@code hide_color=None}). */
        MEAN,
        /** A black picture's model input. */
        BLACK,
        /** The input Gaussian-blurred (sigma = width/16). */
        BLUR
    }

    static final ParamSpec SAMPLES = ParamSpec.integer(
            "samples", DEFAULT_SAMPLES, 2, MAX_SAMPLES, "Perturbed samples (the first keeps every superpixel)");
    static final ParamSpec SEGMENTS = ParamSpec.integer(
            "segments",
            DEFAULT_SEGMENTS,
            2,
            MAX_SEGMENTS,
            "Superpixels asked of the segmenter (SLIC gives about this many; Felzenszwalb uses it for the smallest"
                    + " segment, width*height/(2*segments) pixels)");
    static final ParamSpec SEGMENTER = ParamSpec.choice(
            "segmenter",
            Superpixels.Algorithm.class,
            Superpixels.Algorithm.SLIC,
            "Superpixel algorithm (BoofCV): SLIC or Felzenszwalb-Huttenlocher, on the picture at the model's size");
    static final ParamSpec KERNEL_WIDTH = ParamSpec.number(
            "kernelWidth", 0.25, 0.01, 100, "Width of the exponential kernel on the cosine distance, as in lime");
    static final ParamSpec HIDE = ParamSpec.choice(
            "hide",
            Hide.class,
            Hide.MEAN,
            "What replaces a hidden superpixel: its own mean colour (as lime), black, or the blurred input");
    /** How many segments {@code render=segments} outlines; declared here, the one segment-based method so far. */
    public static final ParamSpec TOP_K = ParamSpec.integer(
            "topK", 5, 1, MAX_SEGMENTS, "render=segments: how many of the most positive superpixels are outlined");

    @Override
    public String name() {
        return "lime";
    }

    @Override
    public String description() {
        return "LIME (Ribeiro et al. 2016): a weighted ridge regression of the target score on random superpixel"
                + " masks, as the lime package's image explainer.";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(SAMPLES, SEGMENTS, SEGMENTER, KERNEL_WIDTH, HIDE, TOP_K, IntegratedGradientsMethod.SEED);
    }

    @Override
    public boolean segmentBased() {
        return true;
    }

    @Override
    public long plannedRows(Params p, int height, int width) {
        return p.integer(SAMPLES);
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        Params p = ctx.params();
        Segmentation seg = Superpixels.segment(
                ctx.image().resized(), p.choice(SEGMENTER, Superpixels.Algorithm.class), p.integer(SEGMENTS));
        return explain(ctx, seg, samples(p.integer(SAMPLES), seg.count(), p.longValue(IntegratedGradientsMethod.SEED)));
    }

    /**
     * Random on/off rows, {@code n x features} (1 = kept), drawn in row order from the seed; row 0 keeps everything.
     */
    static byte[] samples(int n, int features, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] data = new byte[n * features];
        Arrays.fill(data, 0, features, (byte) 1);
        for (int i = features; i < data.length; i++) {
            data[i] = (byte) (rnd.nextBoolean() ? 1 : 0);
        }
        return data;
    }

    /** LIME with a given segmentation and given samples ({@code n x seg.count()}, 1 = kept). */
    SaliencyMap explain(AttributionContext ctx, Segmentation seg, byte[] data) {
        Params p = ctx.params();
        int f = seg.count();
        int n = data.length / f;
        float[] x = ctx.input();
        int c = ctx.channels();
        float[] hidden = hidden(ctx, seg, p.choice(HIDE, Hide.class));
        int[] labels = seg.labels();
        float[] scores = new float[n];
        SegmentRuns runs = SegmentRuns.of(labels, f, c);
        Perturbations.inChunks(ctx, n, "samples", (from, count) -> {
            List<float[]> rows = new ArrayList<>(count);
            for (int s = from; s < from + count; s++) {
                float[] r = x.clone();
                int base = s * f;
                for (int j = 0; j < f; j++) {
                    if (data[base + j] == 0) {
                        runs.copy(j, hidden, r);
                    }
                }
                rows.add(r);
            }
            System.arraycopy(ctx.graph().scores(rows, ctx.seed()), 0, scores, from, count);
        });
        Fit fit = fit(data, n, f, scores, kernelWeights(data, n, f, p.number(KERNEL_WIDTH)), ALPHA);

        float[] map = new float[labels.length];
        for (int px = 0; px < labels.length; px++) {
            map[px] = (float) fit.coef[labels[px]];
        }
        int[] top = IntStream.range(0, f)
                .filter(j -> fit.coef[j] > 0)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -fit.coef[j]).thenComparingInt(j -> j))
                .limit(p.integer(TOP_K))
                .mapToInt(Integer::intValue)
                .toArray();
        float[] weights = new float[f];
        for (int j = 0; j < f; j++) {
            weights[j] = (float) fit.coef[j];
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("segments", f);
        extras.put("segmentWeights", weights);
        extras.put("segmentMap", labels);
        extras.put("topSegments", top);
        extras.put("intercept", fit.intercept);
        extras.put("r2", fit.r2);
        extras.put("localPrediction", fit.localPrediction);
        return new SaliencyMap(map, ctx.height(), ctx.width(), 1, extras, null, new SegmentOutline(seg, top));
    }

    /**
     * Each superpixel as runs of consecutive pixels (row-major), in tensor offsets: hiding a superpixel copies its
     * runs from the hidden picture, a few long copies instead of one per pixel.
     */
    record SegmentRuns(int[][] starts, int[][] lengths) {

        static SegmentRuns of(int[] labels, int segments, int channels) {
            int[] count = new int[segments];
            for (int px = 0; px < labels.length; px++) {
                if (px == 0 || labels[px] != labels[px - 1]) {
                    count[labels[px]]++;
                }
            }
            int[][] starts = new int[segments][];
            int[][] lengths = new int[segments][];
            for (int j = 0; j < segments; j++) {
                starts[j] = new int[count[j]];
                lengths[j] = new int[count[j]];
                count[j] = 0;
            }
            for (int px = 0; px < labels.length; ) {
                int j = labels[px];
                int end = px + 1;
                while (end < labels.length && labels[end] == j) {
                    end++;
                }
                starts[j][count[j]] = px * channels;
                lengths[j][count[j]] = (end - px) * channels;
                count[j]++;
                px = end;
            }
            return new SegmentRuns(starts, lengths);
        }

        /** Copies superpixel {@code j} from {@code src} into {@code dst}. */
        void copy(int j, float[] src, float[] dst) {
            int[] s = starts[j];
            int[] l = lengths[j];
            for (int k = 0; k < s.length; k++) {
                System.arraycopy(src, s[k], dst, s[k], l[k]);
            }
        }
    }

    /** The picture whose pixels replace a hidden superpixel. */
    private static float[] hidden(AttributionContext ctx, Segmentation seg, Hide hide) {
        return switch (hide) {
            case BLACK -> Perturbations.black(ctx);
            case BLUR -> Perturbations.blur(ctx);
            case MEAN -> {
                int c = ctx.channels();
                float[] x = ctx.input();
                double[] sum = new double[seg.count() * c];
                int[] size = seg.sizes();
                int[] labels = seg.labels();
                for (int px = 0; px < labels.length; px++) {
                    for (int k = 0; k < c; k++) {
                        sum[labels[px] * c + k] += x[px * c + k];
                    }
                }
                float[] out = new float[x.length];
                for (int px = 0; px < labels.length; px++) {
                    for (int k = 0; k < c; k++) {
                        out[px * c + k] = (float) (sum[labels[px] * c + k] / size[labels[px]]);
                    }
                }
                yield out;
            }
        };
    }

    /**
     * The kernel weights of {@code lime_image}: the cosine distance of a 0/1 row with {@code k} ones to the all-ones
     * row is {@code 1 - sqrt(k / features)} (1 for an empty row), weighted by {@code sqrt(exp(-d² / width²))}.
     */
    static double[] kernelWeights(byte[] data, int n, int f, double width) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            int k = 0;
            for (int j = 0; j < f; j++) {
                k += data[i * f + j];
            }
            double d = 1 - Math.sqrt((double) k / f);
            w[i] = Math.sqrt(Math.exp(-(d * d) / (width * width)));
        }
        return w;
    }

    /**
     * A weighted ridge fit with intercept, as scikit-learn's {@code Ridge(alpha, fit_intercept=True)} with
     * {@code sample_weight}: centred on the weighted means, solved by Cholesky (EJML).
     *
     * @param coef per-feature weights
     * @param intercept the fit's intercept
     * @param r2 the weighted coefficient of determination, as {@code Ridge.score(X, y, sample_weight)}
     * @param localPrediction the fit at the all-ones row (the unperturbed input)
     */
    record Fit(double[] coef, double intercept, double r2, double localPrediction) {}

    static Fit fit(byte[] data, int n, int f, float[] y, double[] w, double alpha) {
        double sw = 0;
        double ym = 0;
        double[] xm = new double[f];
        for (int i = 0; i < n; i++) {
            sw += w[i];
            ym += w[i] * y[i];
            for (int j = 0; j < f; j++) {
                xm[j] += w[i] * data[i * f + j];
            }
        }
        ym /= sw;
        for (int j = 0; j < f; j++) {
            xm[j] /= sw;
        }
        DMatrixRMaj a = new DMatrixRMaj(f, f);
        DMatrixRMaj b = new DMatrixRMaj(f, 1);
        // from EJML's column switch on, its X^T X adds every row's products in row order; so does the loop below,
        // over one triangle (the products are symmetric), which gives the same sums at half the work
        boolean rowOrder = f >= EjmlParameters.MULT_COLUMN_SWITCH;
        double[] ad = a.getData();
        for (int from = 0; from < n; from += BLOCK) {
            int rows = Math.min(BLOCK, n - from);
            DMatrixRMaj xb = new DMatrixRMaj(rows, f);
            DMatrixRMaj yb = new DMatrixRMaj(rows, 1);
            double[] xd = xb.getData();
            for (int r = 0; r < rows; r++) {
                int i = from + r;
                double s = Math.sqrt(w[i]);
                for (int j = 0; j < f; j++) {
                    xd[r * f + j] = s * (data[i * f + j] - xm[j]);
                }
                yb.unsafe_set(r, 0, s * (y[i] - ym));
                if (rowOrder) {
                    int o = r * f;
                    for (int j = 0; j < f; j++) {
                        double v = xd[o + j];
                        int aj = j * f;
                        for (int k = j; k < f; k++) {
                            ad[aj + k] += v * xd[o + k];
                        }
                    }
                }
            }
            if (!rowOrder) {
                CommonOps_DDRM.multAddTransA(xb, xb, a);
            }
            CommonOps_DDRM.multAddTransA(xb, yb, b);
        }
        if (rowOrder) {
            for (int j = 0; j < f; j++) {
                for (int k = j + 1; k < f; k++) {
                    ad[k * f + j] = ad[j * f + k];
                }
            }
        }
        for (int j = 0; j < f; j++) {
            a.add(j, j, alpha);
        }
        DMatrixRMaj beta = new DMatrixRMaj(f, 1);
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(f);
        if (!solver.setA(a)) {
            throw new IllegalStateException("the ridge system is not positive definite");
        }
        solver.solve(b, beta);
        double[] coef = beta.getData().clone();
        double intercept = ym;
        double local = 0;
        for (int j = 0; j < f; j++) {
            intercept -= xm[j] * coef[j];
            local += coef[j];
        }
        double res = 0;
        double tot = 0;
        for (int i = 0; i < n; i++) {
            double pred = intercept;
            for (int j = 0; j < f; j++) {
                pred += coef[j] * data[i * f + j];
            }
            res += w[i] * (y[i] - pred) * (y[i] - pred);
            tot += w[i] * (y[i] - ym) * (y[i] - ym);
        }
        // scikit-learn's r2_score for a constant target: 1 for a perfect fit, else 0
        double r2 = tot > 0 ? 1 - res / tot : (res == 0 ? 1 : 0);
        return new Fit(coef, intercept, r2, intercept + local);
    }
}
