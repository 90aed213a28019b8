package io.salience.attribution;

import io.salience.graph.Branch;
import java.util.List;

/** One saliency method, named as the API names it. Implementations are stateless Spring beans. */
public interface SaliencyMethod {

    /** The API name, e.g. {@code integrated-gradients}. */
    String name();

    /** One sentence with the reference. */
    String description();

    /** The method's own parameters (the common ones such as target and layer are documented by the API). */
    default List<ParamSpec> parameters() {
        return List.of();
    }

    /** Whether the method explains a layer ({@code layer} parameter applies). */
    default boolean usesLayer() {
        return false;
    }

    /**
     * Whether the method partitions the image into segments and returns them as {@link SaliencyMap#outline()}, so
     * that {@code render=segments} applies.
     */
    default boolean segmentBased() {
        return false;
    }

    /**
     * The most model rows (session-run inputs) {@link #compute} will schedule for these parameters on an input of
     * {@code height x width}, so that a request over its model's row cap is refused before any work. Methods whose
     * count depends on the model (CAM channels) may answer 1; the pool still counts their rows as they go.
     */
    default long plannedRows(Params p, int height, int width) {
        return 1;
    }

    /**
     * The backward branches on the explained input alone that are this method's whole graph work (its
     * {@link #compute} asks the graph for exactly these, once each). Branches of several methods, or several of one
     * method, run from one forward pass in one session run. Empty (the default): the method's runs are its own.
     */
    default List<Branch> branches(AttributionContext ctx) {
        return List.of();
    }

    /**
     * Computes the raw map. A method that runs many rows reports its progress to {@code ctx.progress()}; a
     * stochastic one draws every random number from its {@code seed} parameter, so that the same seed on the same
     * input gives the same map whatever the batching.
     */
    SaliencyMap compute(AttributionContext ctx);
}
