package io.salience.attribution;

import io.salience.imaging.GaussianFilter;
import io.salience.imaging.ResizeMethod;
import io.salience.imaging.Segmentation;
import io.salience.imaging.Superpixels;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * XRAI (Kapishnikov et al. 2019), as PAIR saliency computes it: integrated gradients from the black and the white
 * constant image (the input's minimum and maximum), maximum over channels, then regions ranked by attribution gain
 * ({@link Xrai}). The regions are PAIR's: the input scaled to [-1, 1] and resized to 224x224 (bicubic), Felzenszwalb
 * segmentations (BoofCV) at scales 50, 100, 150, 250, 500 and 1200 after a Gaussian blur of sigma 0.8, smallest
 * segment 150 pixels, each segment brought back to the input's size (nearest) and dilated by a disk. PAIR dilates by
 * 5 pixels whatever the image size, which on a 32-pixel input swallows a small object whole; here the radius is
 * {@code 5 · side / 224} (at least 1), PAIR's at 224 pixels. BoofCV's Felzenszwalb is not scikit-image's, so the
 * regions differ in detail from PAIR's.
 */
@Component
public class XraiMethod implements SaliencyMethod {

    static final ParamSpec STEPS = ParamSpec.integer(
            "steps", 100, 2, 1024, "Points on each integrated-gradients path (two paths: black and white)");
    static final ParamSpec MIN_PIXEL_DIFF =
            ParamSpec.integer("minPixelDiff", 50, 1, 1_000_000, "Least number of new pixels a region must add");

    private static final int[] SCALES = {50, 100, 150, 250, 500, 1200};
    private static final int SIDE = 224;
    private static final double SIGMA = 0.8;
    private static final int MIN_SIZE = 150;
    private static final int DILATION = 5;

    @Override
    public String name() {
        return "xrai";
    }

    @Override
    public String description() {
        return "XRAI (Kapishnikov et al. 2019): image regions from several segmentations, ranked by their"
                + " integrated-gradients attribution.";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(STEPS, MIN_PIXEL_DIFF);
    }

    @Override
    public long plannedRows(Params p, int height, int width) {
        return 2L * (p.integer(STEPS) + 1);
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        float[] attr = Xrai.baseAttribution(ctx, ctx.params().integer(STEPS));
        ctx.progress().update(1, 2, "regions");
        List<boolean[]> masks = regions(ctx.input(), ctx.height(), ctx.width(), ctx.channels());
        Xrai.Ranked r = Xrai.rank(attr, masks, ctx.params().integer(MIN_PIXEL_DIFF), 1.0);
        ctx.progress().update(2, 2, "regions");
        return new SaliencyMap(r.values(), ctx.height(), ctx.width(), 1, Map.of("regions", masks.size()));
    }

    /** PAIR's candidate regions of an {@code [h, w, c]} input. */
    static List<boolean[]> regions(float[] x, int h, int w, int c) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double range = max > min ? max - min : 1;
        float[] rgb = new float[h * w * 3];
        for (int p = 0; p < h * w; p++) {
            for (int k = 0; k < 3; k++) {
                rgb[p * 3 + k] = (float) ((x[p * c + Math.min(k, c - 1)] - min) / range * 255);
            }
        }
        float[] big = io.salience.imaging.MapResizer.resize(rgb, w, h, 3, SIDE, SIDE, ResizeMethod.BICUBIC);
        float[] smooth = GaussianFilter.blur(big, SIDE, SIDE, 3, SIGMA);
        BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIDE; y++) {
            for (int xx = 0; xx < SIDE; xx++) {
                int i = (y * SIDE + xx) * 3;
                image.setRGB(xx, y, (byte8(smooth[i]) << 16) | (byte8(smooth[i + 1]) << 8) | byte8(smooth[i + 2]));
            }
        }
        List<boolean[]> masks = new ArrayList<>();
        for (int scale : SCALES) {
            // scikit-image's scale is for values in [-1, 1]; BoofCV's k is for 0..255
            Segmentation seg = Superpixels.felzenszwalb(image, scale * 127.5f, MIN_SIZE);
            int[] labels = new int[h * w];
            for (int y = 0; y < h; y++) {
                int sy = Math.min(SIDE - 1, (int) ((y + 0.5) * SIDE / h));
                for (int xx = 0; xx < w; xx++) {
                    int sx = Math.min(SIDE - 1, (int) ((xx + 0.5) * SIDE / w));
                    labels[y * w + xx] = seg.label(sx, sy);
                }
            }
            for (int l = 0; l < seg.count(); l++) {
                boolean[] mask = new boolean[h * w];
                boolean any = false;
                for (int p = 0; p < mask.length; p++) {
                    mask[p] = labels[p] == l;
                    any |= mask[p];
                }
                if (any) {
                    masks.add(dilate(mask, h, w, dilation(h, w)));
                }
            }
        }
        return masks;
    }

    /** PAIR's dilation radius, 5 at 224 pixels, scaled to the input's shorter side, at least 1. */
    static int dilation(int h, int w) {
        return Math.max(1, (int) Math.round(DILATION * Math.min(h, w) / (double) SIDE));
    }

    /** Binary dilation by a disk of radius {@code r} ({@code dy² + dx² <= r²}, scikit-image's {@code disk}). */
    static boolean[] dilate(boolean[] mask, int h, int w, int r) {
        boolean[] out = new boolean[mask.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!mask[y * w + x]) {
                    continue;
                }
                for (int dy = -r; dy <= r; dy++) {
                    for (int dx = -r; dx <= r; dx++) {
                        int yy = y + dy;
                        int xx = x + dx;
                        if (dy * dy + dx * dx <= r * r && yy >= 0 && yy < h && xx >= 0 && xx < w) {
                            out[yy * w + xx] = true;
                        }
                    }
                }
            }
        }
        return out;
    }

    private static int byte8(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }
}
