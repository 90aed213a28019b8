package io.salience.sanity;

import io.salience.imaging.BitmapFont;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The PNG panel of a {@link SanityReport}, laid out like Adebayo et al.'s figure: one row per model (the trained one,
 * then each randomisation step), one column per method, after a column with the input. Each tile is the absolute map
 * (divided by its 99.5th percentile, grey), labelled with its Spearman rank correlation (absolute) to the trained
 * model's map.
 */
public final class SanityPanel {

    private static final int BACKGROUND = 0xFFFFFF;
    private static final int INK = 0x202020;
    private static final int GAP = 4;
    private static final int LABEL_CHARS = 18;

    private SanityPanel() {}

    public static byte[] png(SanityReport r) {
        SanityReport.Panel p = r.panel();
        int scale = Math.max(1, (int) Math.ceil(96.0 / Math.max(p.height(), p.width())));
        int tw = p.width() * scale;
        int th = p.height() * scale;
        int colW = Math.max(tw, BitmapFont.width("guided-backprop", 1)) + GAP;
        int labelW = LABEL_CHARS * BitmapFont.WIDTH + GAP;
        int headerH = 2 * BitmapFont.HEIGHT + GAP;
        int rowH = th + BitmapFont.HEIGHT + GAP;
        List<String> methods = r.methods();
        int rows = 1 + r.steps().size();
        int width = labelW + (1 + methods.size()) * colW + GAP;
        int height = headerH + rows * rowH + GAP;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, BACKGROUND);
            }
        }
        String title = r.model() + ": " + r.mode() + " randomisation, target "
                + r.target().label() + ", seed " + r.seed();
        BitmapFont.draw(img, BitmapFont.fit(title, width / BitmapFont.WIDTH), 2, 1, INK, 1);
        int hy = 2 + BitmapFont.HEIGHT;
        BitmapFont.draw(img, "input", labelW, hy, INK, 1);
        for (int m = 0; m < methods.size(); m++) {
            BitmapFont.draw(
                    img, BitmapFont.fit(methods.get(m), colW / BitmapFont.WIDTH), labelW + (m + 1) * colW, hy, INK, 1);
        }
        for (int row = 0; row < rows; row++) {
            int y0 = headerH + row * rowH;
            String label;
            Map<String, byte[]> tiles;
            if (row == 0) {
                label = "trained";
                tiles = p.original();
            } else {
                SanityReport.Step s = r.steps().get(row - 1);
                label = (r.mode().equals("cascading") ? "+" : "") + s.layer();
                tiles = p.steps().get(row - 1);
            }
            BitmapFont.draw(img, BitmapFont.fit(label, LABEL_CHARS), 2, y0 + th / 2 - BitmapFont.HEIGHT / 2, INK, 1);
            drawImage(img, p.image(), labelW, y0, tw, th);
            for (int m = 0; m < methods.size(); m++) {
                int x0 = labelW + (m + 1) * colW;
                drawTile(img, tiles.get(methods.get(m)), p.width(), p.height(), x0, y0, scale);
                String caption = row == 0
                        ? "rho=1"
                        : "rho="
                                + format(r.steps()
                                        .get(row - 1)
                                        .similarities()
                                        .get(methods.get(m))
                                        .spearmanAbs());
                BitmapFont.draw(img, caption, x0, y0 + th + 1, INK, 1);
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String format(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static void drawTile(BufferedImage img, byte[] tile, int w, int h, int x0, int y0, int scale) {
        for (int y = 0; y < h * scale; y++) {
            for (int x = 0; x < w * scale; x++) {
                int v = tile[(y / scale) * w + x / scale] & 0xff;
                img.setRGB(x0 + x, y0 + y, v << 16 | v << 8 | v);
            }
        }
    }

    private static void drawImage(BufferedImage img, BufferedImage src, int x0, int y0, int tw, int th) {
        for (int y = 0; y < th; y++) {
            for (int x = 0; x < tw; x++) {
                int sx = Math.min(src.getWidth() - 1, x * src.getWidth() / tw);
                int sy = Math.min(src.getHeight() - 1, y * src.getHeight() / th);
                img.setRGB(x0 + x, y0 + y, src.getRGB(sx, sy) & 0xFFFFFF);
            }
        }
    }
}
