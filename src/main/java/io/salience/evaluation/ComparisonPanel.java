package io.salience.evaluation;

import io.salience.imaging.ColorMap;
import io.salience.imaging.RenderMode;
import io.salience.imaging.RenderOptions;
import io.salience.imaging.RenderSize;
import io.salience.imaging.SaliencyRenderer;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws a comparison as one PNG: the input with the explained class and its probability (and the region's outline,
 * red, when one was given), then one overlay per method (the normalised map as {@code /saliency} draws it, alpha 0.5)
 * labelled with the method and its deletion and insertion AUC, and a colour bar shared by all (each map is
 * normalised on its own, 0 to its clip value). Tiles are the model's input scaled up by an integer factor to at least
 * {@value #MIN_TILE} pixels (nearest neighbour). Text is drawn with Java2D's logical SansSerif font.
 */
public final class ComparisonPanel {

    /** Smallest tile side in pixels. */
    public static final int MIN_TILE = 160;

    private static final int COLUMNS = 5;
    private static final int GAP = 8;
    private static final int CAPTION = 34;
    private static final int BAR = 16;
    private static final int BAR_LABELS = 70;

    private ComparisonPanel() {}

    /** The panel as an image (TYPE_INT_RGB). */
    public static BufferedImage draw(ComparisonResult r) {
        BufferedImage input = r.resized();
        int w = input.getWidth();
        int h = input.getHeight();
        int scale = Math.max(1, (int) Math.ceil((double) MIN_TILE / Math.max(w, h)));
        int tw = w * scale;
        int th = h * scale;
        List<BufferedImage> tiles = new ArrayList<>();
        List<String[]> captions = new ArrayList<>();
        tiles.add(input);
        captions.add(new String[] {
            "input: " + r.target().label(),
            String.format(Locale.ROOT, "p = %.3f", r.target().probability())
        });
        RenderOptions overlay = new RenderOptions(RenderMode.OVERLAY, r.colorMap(), 0.5, RenderSize.MODEL);
        for (ComparisonResult.Entry e : r.entries()) {
            tiles.add(SaliencyRenderer.renderImage(e.result().normalized(), input, overlay));
            MetricReport m = e.metrics();
            StringBuilder s = new StringBuilder();
            if (m.deletion() != null) {
                s.append(String.format(Locale.ROOT, "del %.3f ", m.deletion().auc()));
            }
            if (m.insertion() != null) {
                s.append(String.format(Locale.ROOT, "ins %.3f", m.insertion().auc()));
            }
            captions.add(new String[] {e.method(), s.toString().trim()});
        }
        int n = tiles.size();
        int cols = Math.min(COLUMNS, n);
        int rows = (n + cols - 1) / cols;
        int cellW = tw + GAP;
        int cellH = th + CAPTION + GAP;
        int width = GAP + cols * cellW + BAR + BAR_LABELS;
        int height = GAP + rows * cellH;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            g.setFont(font);
            FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < n; i++) {
                int x = GAP + (i % cols) * cellW;
                int y = GAP + (i / cols) * cellH;
                g.drawImage(tiles.get(i), x, y, tw, th, null);
                if (i == 0 && r.region() != null) {
                    outline(g, r.region(), x, y, scale);
                }
                g.setColor(Color.BLACK);
                String[] c = captions.get(i);
                g.drawString(fit(c[0], fm, tw), x, y + th + fm.getAscent() + 2);
                g.drawString(fit(c[1], fm, tw), x, y + th + 2 * fm.getAscent() + 4);
            }
            colourBar(g, r.colorMap(), GAP + cols * cellW, GAP, th, fm);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** The panel as PNG bytes. */
    public static byte[] png(ComparisonResult r) {
        return SaliencyRenderer.encodePng(draw(r));
    }

    private static void outline(Graphics2D g, Region region, int x0, int y0, int scale) {
        g.setColor(Color.RED);
        g.setStroke(new BasicStroke(1));
        boolean[] m = region.mask();
        int w = region.width();
        int h = region.height();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!m[y * w + x]) {
                    continue;
                }
                int px = x0 + x * scale;
                int py = y0 + y * scale;
                if (y == 0 || !m[(y - 1) * w + x]) {
                    g.drawLine(px, py, px + scale - 1, py);
                }
                if (y == h - 1 || !m[(y + 1) * w + x]) {
                    g.drawLine(px, py + scale - 1, px + scale - 1, py + scale - 1);
                }
                if (x == 0 || !m[y * w + x - 1]) {
                    g.drawLine(px, py, px, py + scale - 1);
                }
                if (x == w - 1 || !m[y * w + x + 1]) {
                    g.drawLine(px + scale - 1, py, px + scale - 1, py + scale - 1);
                }
            }
        }
    }

    private static void colourBar(Graphics2D g, ColorMap map, int x, int y, int height, FontMetrics fm) {
        for (int i = 0; i < height; i++) {
            double v = 1.0 - (double) i / Math.max(1, height - 1);
            g.setColor(new Color(map.rgb(v)));
            g.drawLine(x, y + i, x + BAR - 1, y + i);
        }
        g.setColor(Color.BLACK);
        g.drawRect(x, y, BAR - 1, height - 1);
        g.drawString("1 = clip", x + BAR + 4, y + fm.getAscent());
        g.drawString("0", x + BAR + 4, y + height);
        g.drawString("per map", x + BAR + 4, y + height / 2 + fm.getAscent() / 2);
    }

    private static String fit(String s, FontMetrics fm, int width) {
        if (fm.stringWidth(s) <= width) {
            return s;
        }
        String t = s;
        while (t.length() > 1 && fm.stringWidth(t + "…") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }
}
