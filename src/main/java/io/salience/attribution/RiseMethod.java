package io.salience.attribution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.springframework.stereotype.Component;

/**
 * RISE (Petsiuk, Das and Saenko 2018): random masks, each a {@code cells x cells} grid of cells kept with
 * probability {@code p}, upsampled bilinearly to {@code (cells + 1) * ceil(side / cells)} and cropped at a random
 * shift; the map is {@code Σ score(x ⊙ M) · M / (N p)}. The masks multiply the model's input tensor, as in the paper's
 * code. They are made chunk by chunk as the batches run, never all at once; every random number is drawn in mask
 * order from {@code seed}, so the map does not depend on the batching.
 */
@Component
public class RiseMethod implements SaliencyMethod {

    /** Default number of masks. */
    public static final int DEFAULT_MASKS = 2000;
    /** Largest number of masks. */
    public static final int MAX_MASKS = 20_000;

    static final ParamSpec MASKS = ParamSpec.integer("masks", DEFAULT_MASKS, 1, MAX_MASKS, "Random masks");
    static final ParamSpec CELLS =
            ParamSpec.integer("cells", 7, 1, 256, "Grid cells per side of a mask before upsampling");
    static final ParamSpec P = ParamSpec.number("p", 0.5, 0.001, 1, "Probability that a grid cell is kept");

    @Override
    public String name() {
        return "rise";
    }

    @Override
    public String description() {
        return "RISE (Petsiuk et al. 2018): the target score averaged over random smooth masks, weighted by each mask.";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(MASKS, CELLS, P, IntegratedGradientsMethod.SEED);
    }

    @Override
    public long plannedRows(Params p, int height, int width) {
        return p.integer(MASKS);
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        Params params = ctx.params();
        int masks = params.integer(MASKS);
        int cells = params.integer(CELLS);
        double p = params.number(P);
        int h = ctx.height();
        int w = ctx.width();
        int c = ctx.channels();
        int cellH = (h + cells - 1) / cells;
        int cellW = (w + cells - 1) / cells;
        if (cells > Math.min(h, w)) {
            throw new InvalidParameterException(
                    "cells", "cells must be at most the input side " + Math.min(h, w) + ", got " + cells);
        }
        SplittableRandom rnd = new SplittableRandom(params.longValue(IntegratedGradientsMethod.SEED));
        float[] x = ctx.input();
        double[] sum = new double[h * w];
        Perturbations.inChunks(ctx, masks, "masks", (from, n) -> {
            List<float[]> chunk = new ArrayList<>(n);
            List<float[]> rows = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                float[] m = mask(rnd, cells, p, h, w, cellH, cellW);
                float[] r = new float[x.length];
                for (int px = 0, j = 0; px < m.length; px++) {
                    float v = m[px];
                    for (int ch = 0; ch < c; ch++, j++) {
                        r[j] = x[j] * v;
                    }
                }
                chunk.add(m);
                rows.add(r);
            }
            float[] scores = ctx.graph().scores(rows, ctx.seed());
            for (int k = 0; k < n; k++) {
                float[] m = chunk.get(k);
                for (int px = 0; px < m.length; px++) {
                    sum[px] += (double) scores[k] * m[px];
                }
            }
        });
        float[] map = new float[h * w];
        for (int i = 0; i < map.length; i++) {
            map[i] = (float) (sum[i] / (masks * p));
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("cellHeight", cellH);
        extras.put("cellWidth", cellW);
        return new SaliencyMap(map, h, w, 1, extras);
    }

    /**
     * One mask: the grid (row-major, kept with probability p), then the shift, both drawn from {@code rnd}; the grid
     * is upsampled bilinearly (half-pixel centres, mirrored at the edges, as {@code skimage.transform.resize} with
     * {@code order=1, mode='reflect'}) to {@code (cells + 1) * cell} and cropped at the shift.
     */
    static float[] mask(SplittableRandom rnd, int cells, double p, int h, int w, int cellH, int cellW) {
        float[] grid = new float[cells * cells];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = rnd.nextDouble() < p ? 1f : 0f;
        }
        int dy = rnd.nextInt(cellH);
        int dx = rnd.nextInt(cellW);
        int upH = (cells + 1) * cellH;
        int upW = (cells + 1) * cellW;
        // the horizontal pass once per grid row (each output row blends two of them), then the vertical blend: the
        // same products and sums per pixel as interpolating each pixel from the four grid values
        int[] xa = new int[w];
        int[] xb = new int[w];
        double[] fx = new double[w];
        for (int xx = 0; xx < w; xx++) {
            double sx = (xx + dx + 0.5) * cells / upW - 0.5;
            int x0 = (int) Math.floor(sx);
            fx[xx] = sx - x0;
            xa[xx] = mirror(x0, cells);
            xb[xx] = mirror(x0 + 1, cells);
        }
        double[][] rows = new double[cells][];
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            double sy = (y + dy + 0.5) * cells / upH - 0.5;
            int y0 = (int) Math.floor(sy);
            double fy = sy - y0;
            double[] top = horizontal(rows, grid, mirror(y0, cells), cells, xa, xb, fx);
            double[] bottom = horizontal(rows, grid, mirror(y0 + 1, cells), cells, xa, xb, fx);
            int o = y * w;
            for (int xx = 0; xx < w; xx++) {
                out[o + xx] = (float) (top[xx] * (1 - fy) + bottom[xx] * fy);
            }
        }
        return out;
    }

    /** Grid row {@code g} interpolated along x at every output column (computed once per mask, then reused). */
    private static double[] horizontal(
            double[][] rows, float[] grid, int g, int cells, int[] xa, int[] xb, double[] fx) {
        double[] r = rows[g];
        if (r == null) {
            r = new double[fx.length];
            int base = g * cells;
            for (int xx = 0; xx < r.length; xx++) {
                r[xx] = grid[base + xa[xx]] * (1 - fx[xx]) + grid[base + xb[xx]] * fx[xx];
            }
            rows[g] = r;
        }
        return r;
    }

    /** Mirrors an index into {@code 0..n-1} without repeating the edge (scipy's {@code mirror}). */
    private static int mirror(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int m = Math.floorMod(i, period);
        return m < n ? m : period - m;
    }
}
