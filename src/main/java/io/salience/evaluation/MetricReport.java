package io.salience.evaluation;

/**
 * The metrics of one map; a part that was not asked for, or does not apply, is null.
 *
 * @param deletion the deletion curve (lower AUC is better)
 * @param insertion the insertion curve (higher AUC is better)
 * @param faithfulnessCorrelation Pearson correlation of subset sums and score drops (higher is better); NaN when
 *     either is constant
 * @param localisation the region metrics, when a region was given
 * @param border the border bias
 * @param completenessGap the integrated-gradients completeness gap, for methods that report one
 * @param millis the time the metrics took
 */
public record MetricReport(
        Faithfulness.Curve deletion,
        Faithfulness.Curve insertion,
        Double faithfulnessCorrelation,
        LocalisationScores localisation,
        BorderScores border,
        Double completenessGap,
        double millis) {

    /**
     * Region metrics.
     *
     * @param pointingGame whether a maximum of the map is inside the region
     * @param energyInside the fraction of the map's mass inside the region
     * @param areaFraction the region's share of the pixels (what a constant map scores)
     * @param topPercent the k of the top-k % IoU
     * @param topIou IoU of the top-k % pixels with the region
     */
    public record LocalisationScores(
            boolean pointingGame, double energyInside, double areaFraction, double topPercent, double topIou) {}

    /**
     * Border bias.
     *
     * @param band the band's width, a fraction of each side
     * @param energy the fraction of the map's mass in the band
     * @param areaFraction the band's share of the pixels (what a constant map scores)
     */
    public record BorderScores(double band, double energy, double areaFraction) {}
}
