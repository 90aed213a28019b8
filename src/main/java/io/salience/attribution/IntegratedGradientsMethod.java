package io.salience.attribution;

import io.salience.graph.Rule;
import io.salience.imaging.GaussianFilter;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.springframework.stereotype.Component;

/**
 * Integrated gradients (Sundararajan, Taly and Yan 2017): {@code (x - b) * ∫ grad(b + a (x - b)) da}, approximated by
 * a Riemann sum. Reports the completeness gap {@code |Σ attributions - (F(x) - F(b))| / |F(x) - F(b)|}.
 */
@Component
public class IntegratedGradientsMethod implements InputAttribution {

    /** Default number of steps. */
    public static final int DEFAULT_STEPS = 32;
    /** Largest number of steps. */
    public static final int MAX_STEPS = 1024;

    /** Where the path starts. */
    public enum Baseline {
        BLACK,
        WHITE,
        MEAN,
        BLUR,
        NOISE,
        UPLOADED
    }

    /** How the integral is discretised. */
    public enum Riemann {
        LEFT,
        RIGHT,
        MIDDLE,
        TRAPEZOID
    }

    @Override
    public String name() {
        return "integrated-gradients";
    }

    @Override
    public String description() {
        return "Integrated gradients (Sundararajan et al. 2017) along the straight path from a baseline.";
    }

    static final ParamSpec STEPS =
            ParamSpec.integer("steps", DEFAULT_STEPS, 1, MAX_STEPS, "Riemann steps along the path");
    static final ParamSpec BASELINE = ParamSpec.choice(
            "baseline",
            Baseline.class,
            Baseline.BLACK,
            "Where the path starts: a black or white image, the per-channel mean of the input, the input"
                    + " Gaussian-blurred (sigma = side/16), a uniform noise image, or the uploaded 'baselineImage' part"
                    + " (implied when that part is sent)");
    static final ParamSpec RIEMANN =
            ParamSpec.choice("riemann", Riemann.class, Riemann.TRAPEZOID, "Discretisation rule of the path integral");
    static final ParamSpec SEED = ParamSpec.integer(
            "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE, "Random seed of the noise; the same seed gives the same map");

    @Override
    public List<ParamSpec> parameters() {
        return List.of(STEPS, BASELINE, RIEMANN, SEED);
    }

    @Override
    public long plannedRows(Params p, int height, int width) {
        // the path and the baseline, whose score the completeness check needs
        return rowsPerInput(p, height, width) + 1;
    }

    /** The path alone: steps points, one more for the trapezoid rule. */
    @Override
    public long rowsPerInput(Params p, int height, int width) {
        return p.integer(STEPS) + (p.choice(RIEMANN, Riemann.class) == Riemann.TRAPEZOID ? 1L : 0L);
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        float[] baseline = baseline(ctx);
        float[] scored = new float[1];
        // the baseline's score comes from the same run as the path (one more row), F(x) from the explained input's
        float[] attributions = integrate(
                ctx,
                ctx.input(),
                baseline,
                ctx.params().integer(STEPS),
                ctx.params().choice(RIEMANN, Riemann.class),
                scored);
        Result r = new Result(attributions);
        float baselineScore = scored[0];
        double delta = (double) ctx.targetScore() - baselineScore;
        double sum = 0;
        for (float v : r.attributions) {
            sum += v;
        }
        double gap = Math.abs(sum - delta) / Math.max(Math.abs(delta), 1e-12);
        return new SaliencyMap(
                r.attributions,
                ctx.height(),
                ctx.width(),
                ctx.channels(),
                Map.of(
                        "completenessGap", gap,
                        "attributionSum", sum,
                        "scoreDifference", delta,
                        "baselineScore", baselineScore));
    }

    @Override
    public List<float[]> attribute(AttributionContext ctx, List<float[]> inputs) {
        List<float[]> out = new ArrayList<>(inputs.size());
        float[] baseline = baseline(ctx);
        for (float[] x : inputs) {
            out.add(integrate(ctx, x, baseline).attributions);
        }
        return out;
    }

    private record Result(float[] attributions) {}

    private Result integrate(AttributionContext ctx, float[] x, float[] baseline) {
        return new Result(integrate(
                ctx, x, baseline, ctx.params().integer(STEPS), ctx.params().choice(RIEMANN, Riemann.class)));
    }

    /** Integrated gradients of {@code x} from {@code baseline} with {@code steps} steps of a rule. */
    static float[] integrate(AttributionContext ctx, float[] x, float[] baseline, int steps, Riemann rule) {
        return integrate(ctx, x, baseline, steps, rule, null);
    }

    /**
     * {@link #integrate(AttributionContext, float[], float[], int, Riemann)}; with {@code baselineScore} (one element)
     * the baseline runs in the same session run as the path and its target score is written there.
     */
    static float[] integrate(
            AttributionContext ctx, float[] x, float[] baseline, int steps, Riemann rule, float[] baselineScore) {
        double[] alphas = new double[rule == Riemann.TRAPEZOID ? steps + 1 : steps];
        double[] weights = new double[alphas.length];
        for (int k = 0; k < alphas.length; k++) {
            alphas[k] = switch (rule) {
                case LEFT -> (double) k / steps;
                case RIGHT -> (double) (k + 1) / steps;
                case MIDDLE -> (k + 0.5) / steps;
                case TRAPEZOID -> (double) k / steps;
            };
            weights[k] = rule == Riemann.TRAPEZOID && (k == 0 || k == steps) ? 0.5 / steps : 1.0 / steps;
        }
        return integrate(ctx, x, baseline, alphas, weights, baselineScore);
    }

    /** {@code (x - b) ⊙ Σ_k weights[k] ∇F(b + alphas[k] (x - b))}. */
    static float[] integrate(AttributionContext ctx, float[] x, float[] baseline, double[] alphas, double[] weights) {
        return integrate(ctx, x, baseline, alphas, weights, null);
    }

    private static float[] integrate(
            AttributionContext ctx,
            float[] x,
            float[] baseline,
            double[] alphas,
            double[] weights,
            float[] baselineScore) {
        List<float[]> path = new ArrayList<>(alphas.length + 1);
        for (double a : alphas) {
            float[] p = new float[x.length];
            for (int j = 0; j < p.length; j++) {
                p[j] = (float) (baseline[j] + a * (x[j] - baseline[j]));
            }
            path.add(p);
        }
        if (baselineScore != null) {
            path.add(baseline);
        }
        List<GraphAccess.Gradient> grads = ctx.graph().inputGradients(Rule.PLAIN, path, ctx.seed());
        if (baselineScore != null) {
            baselineScore[0] = grads.get(alphas.length).score();
        }
        double[] acc = new double[x.length];
        for (int k = 0; k < alphas.length; k++) {
            float[] g = grads.get(k).values();
            for (int j = 0; j < acc.length; j++) {
                acc[j] += weights[k] * g[j];
            }
        }
        float[] attr = new float[x.length];
        for (int j = 0; j < attr.length; j++) {
            attr[j] = (float) ((x[j] - baseline[j]) * acc[j]);
        }
        return attr;
    }

    /** The baseline tensor chosen by the {@code baseline} parameter. */
    static float[] baseline(AttributionContext ctx) {
        Baseline kind = ctx.params().choice(BASELINE, Baseline.class);
        var desc = ctx.model().descriptor();
        var spec = desc.input();
        return switch (kind) {
            case BLACK -> desc.tensor(filled(spec.width(), spec.height(), Color.BLACK));
            case WHITE -> desc.tensor(filled(spec.width(), spec.height(), Color.WHITE));
            case MEAN -> channelMean(ctx.input(), ctx.channels());
            case BLUR -> GaussianFilter.blurClamped(
                    ctx.input(), ctx.height(), ctx.width(), ctx.channels(), Math.max(1.0, spec.width() / 16.0));
            case NOISE -> {
                SplittableRandom rnd = new SplittableRandom(ctx.params().longValue(SEED));
                BufferedImage img = new BufferedImage(spec.width(), spec.height(), BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < spec.height(); y++) {
                    for (int xx = 0; xx < spec.width(); xx++) {
                        img.setRGB(xx, y, rnd.nextInt(1 << 24));
                    }
                }
                yield desc.tensor(img);
            }
            case UPLOADED -> {
                if (ctx.baselineImage() == null) {
                    throw new InvalidParameterException(
                            "baseline", "baseline=uploaded needs a 'baselineImage' part in the request");
                }
                yield ctx.baselineImage().tensor();
            }
        };
    }

    static BufferedImage filled(int w, int h, Color c) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(c);
            g.fillRect(0, 0, w, h);
        } finally {
            g.dispose();
        }
        return img;
    }

    static float[] channelMean(float[] x, int channels) {
        double[] mean = new double[channels];
        int pixels = x.length / channels;
        for (int i = 0; i < x.length; i++) {
            mean[i % channels] += x[i];
        }
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (mean[i % channels] / pixels);
        }
        return out;
    }
}
