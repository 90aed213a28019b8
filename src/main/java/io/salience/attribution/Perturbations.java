package io.salience.attribution;

import io.salience.imaging.GaussianFilter;
import java.awt.Color;

/**
 * Shared parts of the perturbation methods (LIME, occlusion, RISE): the images that replace hidden parts of the
 * input, and the loop that builds perturbed inputs and scores them in chunks of at most {@link GraphAccess#maxBatch()}
 * rows, so that a method holds one chunk of inputs at a time whatever its sample count.
 */
final class Perturbations {

    private Perturbations() {}

    /** Builds and scores the perturbed inputs {@code from .. from + count - 1}. */
    @FunctionalInterface
    interface Chunk {
        void run(int from, int count);
    }

    /** Runs {@code total} rows in chunks of at most the pool's max batch, in row order, reporting progress. */
    static void inChunks(AttributionContext ctx, int total, String step, Chunk chunk) {
        int batch = Math.max(1, ctx.graph().maxBatch());
        ctx.progress().update(0, total, step);
        for (int from = 0; from < total; from += batch) {
            int n = Math.min(batch, total - from);
            chunk.run(from, n);
            ctx.progress().update(from + n, total, step);
        }
    }

    /** The model input of a black picture. */
    static float[] black(AttributionContext ctx) {
        var spec = ctx.model().descriptor().input();
        return ctx.model()
                .descriptor()
                .tensor(IntegratedGradientsMethod.filled(spec.width(), spec.height(), Color.BLACK));
    }

    /** The input's per-channel mean at every pixel. */
    static float[] channelMean(AttributionContext ctx) {
        return IntegratedGradientsMethod.channelMean(ctx.input(), ctx.channels());
    }

    /** The input Gaussian-blurred with sigma = max(1, width / 16), as the integrated-gradients blur baseline. */
    static float[] blur(AttributionContext ctx) {
        return GaussianFilter.blurClamped(
                ctx.input(), ctx.height(), ctx.width(), ctx.channels(), Math.max(1.0, ctx.width() / 16.0));
    }
}
