package io.salience.evaluation;

import io.salience.attribution.InvalidParameterException;
import io.salience.attribution.ParamSpec;
import io.salience.attribution.Params;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The settings of the metrics, declared once as {@link ParamSpec}s.
 *
 * @param metrics the metrics computed
 * @param steps points of the deletion and insertion curves after the start
 * @param fill what removed pixels become, and the insertion canvas
 * @param fcSubset pixels per faithfulness-correlation subset; 0 = 10 % of the input's pixels
 * @param fcRuns faithfulness-correlation subsets
 * @param seed seed of the random subsets and of the random-map baseline
 * @param topPercent the top-k % of the IoU; 0 = the region's own area percentage
 * @param borderBand the outer band's width as a fraction of each side
 */
public record EvaluationOptions(
        Set<Metric> metrics,
        int steps,
        Fill fill,
        int fcSubset,
        int fcRuns,
        long seed,
        double topPercent,
        double borderBand) {

    /** A metric group. */
    public enum Metric {
        /** Deletion curve and AUC (lower is better). */
        DELETION,
        /** Insertion curve and AUC (higher is better). */
        INSERTION,
        /** Faithfulness correlation (higher is better). */
        FAITHFULNESS_CORRELATION,
        /** Pointing game, energy inside the region, top-k IoU (needs a region). */
        LOCALISATION,
        /** Energy in the outer band. */
        BORDER,
        /** The integrated-gradients completeness gap (methods that report one). */
        COMPLETENESS
    }

    public static final ParamSpec METRICS = ParamSpec.text(
            "metrics",
            "all",
            "all, or a comma-separated list of " + Params.spelled(Metric.class),
            "The metrics computed; localisation needs a region part");
    public static final ParamSpec STEPS = ParamSpec.integer(
            "steps",
            32,
            1,
            1024,
            "Deletion and insertion: points of each curve after the start; point i has floor(i * P / steps) of the"
                    + " P pixels removed (inserted); at most P");
    public static final ParamSpec FILL = ParamSpec.choice(
            "fill",
            Fill.class,
            Fill.BLACK,
            "Deletion: what a removed pixel becomes; insertion: the canvas it starts from (black = the input tensor's"
                    + " minimum and mean = its mean, as Quantus; blur = the input blurred, sigma 5 px at 224)");
    public static final ParamSpec FC_SUBSET = ParamSpec.integer(
            "fcSubset",
            0,
            0,
            16_777_216,
            "Faithfulness correlation: pixels per random subset; 0 = 10 % of the input's pixels; less than the pixel"
                    + " count");
    public static final ParamSpec FC_RUNS =
            ParamSpec.integer("fcRuns", 100, 2, 1000, "Faithfulness correlation: random subsets (model calls)");
    public static final ParamSpec SEED = ParamSpec.integer(
            "seed",
            0,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            "Seed of the faithfulness-correlation subsets and of the random-map baseline");
    public static final ParamSpec TOP_PERCENT = ParamSpec.number(
            "topPercent",
            0,
            0,
            100,
            "Localisation: the top-k % pixels of the map whose IoU with the region is reported; 0 = the region's own"
                    + " area percentage");
    public static final ParamSpec BORDER_BAND = ParamSpec.number(
            "borderBand",
            Localisation.BORDER_BAND,
            0.01,
            0.5,
            "Border bias: the outer band's width, a fraction of each side");

    /** Every parameter, in documentation order. */
    public static final List<ParamSpec> SPECS =
            List.of(METRICS, STEPS, FILL, FC_SUBSET, FC_RUNS, SEED, TOP_PERCENT, BORDER_BAND);

    /** The defaults. */
    public static final EvaluationOptions DEFAULT = of(new Params(java.util.Map.of()));

    public EvaluationOptions {
        metrics = Set.copyOf(metrics);
    }

    /** Reads and validates the parameters. */
    public static EvaluationOptions of(Params p) {
        p.validate(SPECS);
        return new EvaluationOptions(
                metrics(p.raw(METRICS.name())),
                p.integer(STEPS),
                p.choice(FILL, Fill.class),
                p.integer(FC_SUBSET),
                p.integer(FC_RUNS),
                p.longValue(SEED),
                p.number(TOP_PERCENT),
                p.number(BORDER_BAND));
    }

    private static Set<Metric> metrics(String raw) {
        if (raw == null || raw.equals("all")) {
            return EnumSet.allOf(Metric.class);
        }
        Set<Metric> out = EnumSet.noneOf(Metric.class);
        for (String s : raw.split(",")) {
            String w = s.trim().toLowerCase(Locale.ROOT);
            if (w.isEmpty()) {
                continue;
            }
            try {
                out.add(Params.parse(Metric.class, w));
            } catch (IllegalArgumentException e) {
                throw new InvalidParameterException(
                        "metrics",
                        "metrics must be all or a list of " + Params.spelled(Metric.class) + ", got '" + w + "'");
            }
        }
        return out;
    }

    /** The subset size for an input of {@code pixels} pixels. */
    public int subsetSize(int pixels) {
        int s = fcSubset == 0 ? Math.max(1, (int) Math.round(0.1 * pixels)) : fcSubset;
        if (s >= pixels) {
            throw new InvalidParameterException(
                    "fcSubset", "fcSubset must be less than the input's " + pixels + " pixels, got " + s);
        }
        return s;
    }

    /** Checks the settings that depend on the input's size. */
    public void check(int pixels) {
        if (steps > pixels) {
            throw new InvalidParameterException(
                    "steps", "steps must be at most the input's " + pixels + " pixels, got " + steps);
        }
        subsetSize(pixels);
    }
}
