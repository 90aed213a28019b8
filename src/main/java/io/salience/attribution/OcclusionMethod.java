package io.salience.attribution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Occlusion (Zeiler and Fergus 2014): a square patch slides over the input and replaces what it covers ({@code
 * fill}); each pixel gets the mean drop of the target score, {@code F(x) - F(occluded)}, over the patches that cover
 * it. Patches start at {@code 0, stride, 2 stride, ...} and a last one is added flush with the far edge, so every pixel
 * is covered.
 */
@Component
public class OcclusionMethod implements SaliencyMethod {

    /** What replaces the occluded patch. */
    public enum Fill {
        /** The input's per-channel mean. */
        MEAN,
        /** A black picture's model input. */
        BLACK,
        /** The input Gaussian-blurred (sigma = width/16). */
        BLUR
    }

    static final ParamSpec WINDOW = ParamSpec.integer(
            "window",
            0,
            0,
            4096,
            "Side of the square patch in input pixels; 0 = 1/8 of the shorter input side (rounded, at least 1)");
    static final ParamSpec STRIDE =
            ParamSpec.integer("stride", 0, 0, 4096, "Step between patch positions; 0 = window/2 (at least 1)");
    static final ParamSpec FILL = ParamSpec.choice(
            "fill",
            Fill.class,
            Fill.MEAN,
            "What replaces the patch: the input's per-channel mean, black, or the blurred input");

    @Override
    public String name() {
        return "occlusion";
    }

    @Override
    public String description() {
        return "Occlusion (Zeiler & Fergus 2014): the drop of the target score when a sliding patch is hidden.";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(WINDOW, STRIDE, FILL);
    }

    @Override
    public long plannedRows(Params p, int height, int width) {
        int window = p.integer(WINDOW);
        if (window == 0) {
            window = Math.max(1, (int) Math.round(Math.min(height, width) / 8.0));
        }
        if (window > Math.min(height, width)) {
            return 1; // refused by compute with its own message
        }
        int stride = p.integer(STRIDE);
        if (stride == 0) {
            stride = Math.max(1, window / 2);
        }
        return (long) positions(height, window, stride).length * positions(width, window, stride).length;
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        Params p = ctx.params();
        int h = ctx.height();
        int w = ctx.width();
        int c = ctx.channels();
        int window = p.integer(WINDOW);
        if (window == 0) {
            window = Math.max(1, (int) Math.round(Math.min(h, w) / 8.0));
        }
        if (window > Math.min(h, w)) {
            throw new InvalidParameterException(
                    "window", "window must be at most the input side " + Math.min(h, w) + ", got " + window);
        }
        int stride = p.integer(STRIDE);
        if (stride == 0) {
            stride = Math.max(1, window / 2);
        }
        int[] ys = positions(h, window, stride);
        int[] xs = positions(w, window, stride);
        float[] fill =
                switch (p.choice(FILL, Fill.class)) {
                    case MEAN -> Perturbations.channelMean(ctx);
                    case BLACK -> Perturbations.black(ctx);
                    case BLUR -> Perturbations.blur(ctx);
                };
        float[] x = ctx.input();
        double[] sum = new double[h * w];
        int[] count = new int[h * w];
        int win = window;
        Perturbations.inChunks(ctx, ys.length * xs.length, "patches", (from, n) -> {
            List<float[]> rows = new ArrayList<>(n);
            for (int k = from; k < from + n; k++) {
                float[] r = x.clone();
                int y0 = ys[k / xs.length];
                int x0 = xs[k % xs.length];
                for (int y = y0; y < y0 + win; y++) {
                    int i = (y * w + x0) * c;
                    System.arraycopy(fill, i, r, i, win * c);
                }
                rows.add(r);
            }
            float[] scores = ctx.graph().scores(rows, ctx.seed());
            for (int k = from; k < from + n; k++) {
                double drop = (double) ctx.targetScore() - scores[k - from];
                int y0 = ys[k / xs.length];
                int x0 = xs[k % xs.length];
                for (int y = y0; y < y0 + win; y++) {
                    for (int xx = x0; xx < x0 + win; xx++) {
                        sum[y * w + xx] += drop;
                        count[y * w + xx]++;
                    }
                }
            }
        });
        float[] map = new float[h * w];
        for (int i = 0; i < map.length; i++) {
            map[i] = (float) (sum[i] / count[i]);
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("window", window);
        extras.put("stride", stride);
        extras.put("patches", ys.length * xs.length);
        return new SaliencyMap(map, h, w, 1, extras);
    }

    /** Patch starts along one side: {@code 0, stride, ...} up to {@code side - window}, which is always included. */
    static int[] positions(int side, int window, int stride) {
        int last = side - window;
        int n = last / stride + 1;
        boolean flush = (n - 1) * stride != last;
        int[] out = new int[flush ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            out[i] = i * stride;
        }
        if (flush) {
            out[n] = last;
        }
        return out;
    }
}
