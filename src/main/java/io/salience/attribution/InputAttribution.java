package io.salience.attribution;

import java.util.List;

/**
 * A method whose map lives in input space and can be computed for many inputs in one batch, so that SmoothGrad can
 * wrap it.
 */
public interface InputAttribution extends SaliencyMethod {

    /** Attributions for each input (each {@code [H, W, C]}), all for the context's target. */
    List<float[]> attribute(AttributionContext ctx, List<float[]> inputs);

    /** The most rows {@link #attribute} schedules per input (SmoothGrad's base counts this per sample). */
    default long rowsPerInput(Params p, int height, int width) {
        return plannedRows(p, height, width);
    }

    @Override
    default SaliencyMap compute(AttributionContext ctx) {
        float[] map = attribute(ctx, List.of(ctx.input())).get(0);
        return new SaliencyMap(map, ctx.height(), ctx.width(), ctx.channels());
    }
}
