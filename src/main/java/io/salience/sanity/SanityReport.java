package io.salience.sanity;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Map;

/**
 * The result of a model parameter randomisation test: for each step, which layers were randomised, how each weight
 * was drawn, and each method's similarity to its map on the trained model.
 *
 * @param model the model name
 * @param version the model version
 * @param mode cascading or independent
 * @param seed the seed of the fresh weights
 * @param target the explained target (the same at every step)
 * @param methods the methods compared
 * @param similarity how the maps are compared, in words
 * @param steps the randomisation steps, in order
 * @param timings milliseconds per phase
 * @param panel the maps, for the PNG panel (not serialised)
 */
public record SanityReport(
        String model,
        String version,
        String mode,
        long seed,
        Target target,
        List<String> methods,
        String similarity,
        List<Step> steps,
        Map<String, Double> timings,
        @JsonIgnore Panel panel) {

    /**
     * The explained target.
     *
     * @param index the class index
     * @param label its label (or {@code A-vs-B})
     * @param probability the trained model's probability of the class
     */
    public record Target(int index, String label, float probability) {}

    /**
     * One randomisation step.
     *
     * @param step 1-based
     * @param layer the layer randomised at this step (cascading: the one added)
     * @param randomised every layer randomised at this step, top down
     * @param weights how each weight of {@code layer} was drawn
     * @param probability the randomised model's probability of the target class
     * @param similarities per method, its map compared with the trained model's map
     */
    public record Step(
            int step,
            String layer,
            List<String> randomised,
            List<Weight> weights,
            float probability,
            Map<String, Similarities> similarities) {}

    /**
     * One weight's fresh values.
     *
     * @param variable the variable
     * @param shape its shape
     * @param init the distribution drawn from
     * @param source {@code keras-metadata} (the layer's own initializer) or {@code weight-statistics} (a normal
     *     distribution with the trained weight's mean and standard deviation)
     */
    public record Weight(String variable, List<Long> shape, String init, String source) {}

    /**
     * A map compared with the trained model's map (null where undefined: a constant map, or a map too small).
     *
     * @param spearmanAbs Spearman rank correlation of the absolute maps
     * @param spearman Spearman rank correlation of the signed maps
     * @param ssim structural similarity of the absolute maps, each divided by its maximum
     * @param hog Pearson correlation of the HOG descriptors of the absolute maps, each divided by its maximum
     */
    public record Similarities(Double spearmanAbs, Double spearman, Double ssim, Double hog) {}

    /**
     * The absolute maps scaled to 0..255 (row-major {@code [height, width]}), for the PNG panel.
     *
     * @param original per method, on the trained model
     * @param steps per step, per method
     * @param image the model's input picture (resized), shown in the first column
     */
    public record Panel(
            int height,
            int width,
            Map<String, byte[]> original,
            List<Map<String, byte[]>> steps,
            java.awt.image.BufferedImage image) {}
}
