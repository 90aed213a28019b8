package io.salience.attribution;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * SmoothGrad (Smilkov et al. 2017) over any input-space method: the base map averaged over copies of the input with
 * Gaussian noise of standard deviation {@code noise * (max(x) - min(x))}. Aggregation {@code square} is SquareGrad,
 * {@code variance} is VarGrad (Adebayo et al. 2018).
 */
@Component
public class SmoothGradMethod implements SaliencyMethod {

    /** Default number of noisy samples. */
    public static final int DEFAULT_SAMPLES = 25;
    /** Largest number of noisy samples. */
    public static final int MAX_SAMPLES = 512;
    /** Default noise level as a fraction of the input range. */
    public static final double DEFAULT_NOISE = 0.15;

    /** How the per-sample maps are combined. */
    public enum Aggregation {
        MEAN,
        SQUARE,
        VARIANCE
    }

    private final Map<String, InputAttribution> bases;

    @Autowired
    public SmoothGradMethod(List<InputAttribution> bases) {
        this.bases = bases.stream().collect(Collectors.toMap(SaliencyMethod::name, b -> b, (a, b) -> a, TreeMap::new));
    }

    @Override
    public String name() {
        return "smoothgrad";
    }

    @Override
    public String description() {
        return "SmoothGrad (Smilkov et al. 2017): a base method averaged over noisy copies of the input.";
    }

    /** Default aggregation of this method. */
    protected Aggregation defaultAggregation() {
        return Aggregation.MEAN;
    }

    static final ParamSpec SAMPLES =
            ParamSpec.integer("samples", DEFAULT_SAMPLES, 1, MAX_SAMPLES, "Noisy copies of the input");
    static final ParamSpec NOISE =
            ParamSpec.number("noise", DEFAULT_NOISE, 0, 1, "Noise std as a fraction of max(x) - min(x)");

    private ParamSpec aggregation() {
        return ParamSpec.choice(
                "aggregation",
                Aggregation.class,
                defaultAggregation(),
                "How the noisy maps are combined: mean (SmoothGrad), square (SquareGrad) or variance (VarGrad)");
    }

    private ParamSpec base() {
        return ParamSpec.choice("base", List.copyOf(bases.keySet()), "gradient", "The method that is smoothed");
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(SAMPLES, NOISE, aggregation(), base(), IntegratedGradientsMethod.SEED);
    }

    @Override
    public long plannedRows(Params p, int height, int width) {
        return p.integer(SAMPLES) * bases.get(p.word(base())).rowsPerInput(p, height, width);
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        Params p = ctx.params();
        int samples = p.integer(SAMPLES);
        double noise = p.number(NOISE);
        Aggregation agg = p.choice(aggregation(), Aggregation.class);
        InputAttribution base = bases.get(p.word(base()));
        float[] x = ctx.input();
        float[] range = ctx.inputRange();
        double sigma = noise * (range[1] - range[0]);
        SplittableRandom rnd = new SplittableRandom(p.longValue(IntegratedGradientsMethod.SEED));
        List<float[]> noisy = new ArrayList<>(samples);
        for (int s = 0; s < samples; s++) {
            float[] xs = new float[x.length];
            for (int j = 0; j < xs.length; j++) {
                xs[j] = (float) (x[j] + sigma * gaussian(rnd));
            }
            noisy.add(xs);
        }
        float[] map = aggregate(base.attribute(ctx, noisy), agg);
        return new SaliencyMap(
                map,
                ctx.height(),
                ctx.width(),
                ctx.channels(),
                Map.of("base", base.name(), "noiseStd", sigma, "aggregation", Params.spell(agg)));
    }

    /** Combines per-sample maps element-wise. */
    public static float[] aggregate(List<float[]> maps, Aggregation agg) {
        int n = maps.size();
        int len = maps.get(0).length;
        double[] sum = new double[len];
        double[] sq = new double[len];
        for (float[] m : maps) {
            for (int j = 0; j < len; j++) {
                sum[j] += m[j];
                sq[j] += (double) m[j] * m[j];
            }
        }
        float[] out = new float[len];
        for (int j = 0; j < len; j++) {
            double mean = sum[j] / n;
            out[j] = (float)
                    switch (agg) {
                        case MEAN -> mean;
                        case SQUARE -> sq[j] / n;
                        case VARIANCE -> Math.max(0, sq[j] / n - mean * mean);
                    };
        }
        return out;
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box-Muller rather than nextGaussian(), so that a seed gives the same map as in earlier versions
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
