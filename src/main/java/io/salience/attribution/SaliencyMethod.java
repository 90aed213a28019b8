package io.salience.attribution;

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
     * Computes the raw map. A method that runs many rows reports its progress to {@code ctx.progress()}; a
     * stochastic one draws every random number from its {@code seed} parameter, so that the same seed on the same
     * input gives the same map whatever the batching.
     */
    SaliencyMap compute(AttributionContext ctx);
}
