package io.salience.imaging;

import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * A 6x11 monospace bitmap font (Pillow's default bitmap font, {@code ImageFont.load_default_imagefont()}, sampled
 * once), so that labelled panels need no system fonts: a headless JRE without fontconfig draws them the same.
 * Characters it lacks are left blank.
 */
public final class BitmapFont {

    /** Glyph width and height in pixels at scale 1. */
    public static final int WIDTH = 6;

    public static final int HEIGHT = 11;

    private static final Map<Character, int[]> GLYPHS = Map.ofEntries(
            Map.entry('a', new int[] {0, 0, 0, 0, 28, 54, 30, 54, 63, 0, 0}),
            Map.entry('b', new int[] {0, 0, 48, 48, 60, 54, 54, 54, 60, 0, 0}),
            Map.entry('c', new int[] {0, 0, 0, 0, 28, 54, 48, 54, 28, 0, 0}),
            Map.entry('d', new int[] {0, 0, 14, 6, 30, 54, 54, 54, 31, 0, 0}),
            Map.entry('e', new int[] {0, 0, 0, 0, 28, 54, 62, 48, 30, 0, 0}),
            Map.entry('f', new int[] {0, 0, 14, 24, 62, 24, 24, 24, 62, 0, 0}),
            Map.entry('g', new int[] {0, 0, 0, 0, 27, 54, 54, 54, 30, 6, 60}),
            Map.entry('h', new int[] {0, 0, 48, 48, 60, 54, 54, 54, 54, 0, 0}),
            Map.entry('i', new int[] {0, 0, 12, 0, 60, 12, 12, 12, 63, 0, 0}),
            Map.entry('j', new int[] {0, 0, 12, 0, 60, 12, 12, 12, 12, 12, 56}),
            Map.entry('k', new int[] {0, 0, 48, 48, 54, 60, 56, 60, 55, 0, 0}),
            Map.entry('l', new int[] {0, 0, 60, 12, 12, 12, 12, 12, 63, 0, 0}),
            Map.entry('m', new int[] {0, 0, 0, 0, 60, 62, 42, 42, 42, 0, 0}),
            Map.entry('n', new int[] {0, 0, 0, 0, 44, 54, 54, 54, 54, 0, 0}),
            Map.entry('o', new int[] {0, 0, 0, 0, 28, 54, 54, 54, 28, 0, 0}),
            Map.entry('p', new int[] {0, 0, 0, 0, 60, 54, 54, 54, 60, 48, 56}),
            Map.entry('q', new int[] {0, 0, 0, 0, 27, 54, 54, 54, 30, 6, 15}),
            Map.entry('r', new int[] {0, 0, 0, 0, 55, 29, 24, 24, 60, 0, 0}),
            Map.entry('s', new int[] {0, 0, 0, 0, 30, 56, 30, 7, 62, 0, 0}),
            Map.entry('t', new int[] {0, 0, 24, 24, 62, 24, 24, 27, 14, 0, 0}),
            Map.entry('u', new int[] {0, 0, 0, 0, 54, 54, 54, 54, 31, 0, 0}),
            Map.entry('v', new int[] {0, 0, 0, 0, 54, 54, 28, 28, 8, 0, 0}),
            Map.entry('w', new int[] {0, 0, 0, 0, 43, 42, 62, 30, 20, 0, 0}),
            Map.entry('x', new int[] {0, 0, 0, 0, 59, 30, 12, 30, 55, 0, 0}),
            Map.entry('y', new int[] {0, 0, 0, 0, 55, 54, 54, 20, 28, 24, 48}),
            Map.entry('z', new int[] {0, 0, 0, 0, 62, 44, 24, 54, 62, 0, 0}),
            Map.entry('A', new int[] {0, 0, 0, 60, 28, 20, 62, 54, 55, 0, 0}),
            Map.entry('B', new int[] {0, 0, 0, 60, 54, 60, 54, 54, 60, 0, 0}),
            Map.entry('C', new int[] {0, 0, 0, 30, 54, 48, 48, 54, 28, 0, 0}),
            Map.entry('D', new int[] {0, 0, 0, 60, 54, 54, 54, 54, 60, 0, 0}),
            Map.entry('E', new int[] {0, 0, 0, 62, 48, 60, 48, 54, 62, 0, 0}),
            Map.entry('F', new int[] {0, 0, 0, 62, 48, 60, 48, 48, 56, 0, 0}),
            Map.entry('G', new int[] {0, 0, 0, 28, 54, 48, 62, 54, 30, 0, 0}),
            Map.entry('H', new int[] {0, 0, 0, 55, 54, 62, 54, 54, 55, 0, 0}),
            Map.entry('I', new int[] {0, 0, 0, 60, 24, 24, 24, 24, 60, 0, 0}),
            Map.entry('J', new int[] {0, 0, 0, 30, 12, 12, 44, 44, 56, 0, 0}),
            Map.entry('K', new int[] {0, 0, 0, 54, 52, 56, 60, 54, 59, 0, 0}),
            Map.entry('L', new int[] {0, 0, 0, 56, 48, 48, 48, 54, 62, 0, 0}),
            Map.entry('M', new int[] {0, 0, 0, 34, 54, 54, 62, 42, 42, 0, 0}),
            Map.entry('N', new int[] {0, 0, 0, 55, 58, 58, 54, 54, 50, 0, 0}),
            Map.entry('O', new int[] {0, 0, 0, 28, 54, 54, 54, 54, 28, 0, 0}),
            Map.entry('P', new int[] {0, 0, 0, 60, 54, 54, 60, 48, 56, 0, 0}),
            Map.entry('Q', new int[] {0, 0, 0, 28, 54, 54, 54, 54, 28, 6, 0}),
            Map.entry('R', new int[] {0, 0, 0, 60, 54, 54, 60, 54, 59, 0, 0}),
            Map.entry('S', new int[] {0, 0, 0, 30, 50, 60, 14, 38, 60, 0, 0}),
            Map.entry('T', new int[] {0, 0, 0, 62, 26, 24, 24, 24, 60, 0, 0}),
            Map.entry('U', new int[] {0, 0, 0, 55, 54, 54, 54, 54, 28, 0, 0}),
            Map.entry('V', new int[] {0, 0, 0, 55, 54, 20, 28, 28, 8, 0, 0}),
            Map.entry('W', new int[] {0, 0, 0, 43, 42, 42, 62, 28, 20, 0, 0}),
            Map.entry('X', new int[] {0, 0, 0, 51, 30, 12, 12, 30, 51, 0, 0}),
            Map.entry('Y', new int[] {0, 0, 0, 51, 51, 30, 12, 12, 30, 0, 0}),
            Map.entry('Z', new int[] {0, 0, 0, 62, 54, 12, 24, 54, 62, 0, 0}),
            Map.entry('0', new int[] {0, 0, 28, 54, 54, 54, 54, 54, 28, 0, 0}),
            Map.entry('1', new int[] {0, 0, 12, 60, 12, 12, 12, 12, 63, 0, 0}),
            Map.entry('2', new int[] {0, 0, 28, 54, 6, 12, 24, 54, 62, 0, 0}),
            Map.entry('3', new int[] {0, 0, 28, 54, 6, 28, 6, 54, 28, 0, 0}),
            Map.entry('4', new int[] {0, 0, 6, 14, 22, 54, 63, 6, 6, 0, 0}),
            Map.entry('5', new int[] {0, 0, 62, 48, 60, 54, 6, 38, 60, 0, 0}),
            Map.entry('6', new int[] {0, 0, 28, 54, 48, 60, 54, 54, 28, 0, 0}),
            Map.entry('7', new int[] {0, 0, 62, 54, 6, 12, 12, 24, 24, 0, 0}),
            Map.entry('8', new int[] {0, 0, 28, 54, 54, 28, 54, 54, 28, 0, 0}),
            Map.entry('9', new int[] {0, 0, 28, 54, 54, 30, 6, 54, 28, 0, 0}),
            Map.entry('-', new int[] {0, 0, 0, 0, 0, 62, 0, 0, 0, 0, 0}),
            Map.entry('_', new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 63}),
            Map.entry('.', new int[] {0, 0, 0, 0, 0, 0, 0, 0, 24, 0, 0}),
            Map.entry('+', new int[] {0, 0, 0, 8, 8, 62, 8, 8, 0, 0, 0}),
            Map.entry('=', new int[] {0, 0, 0, 0, 60, 0, 60, 0, 0, 0, 0}),
            Map.entry(':', new int[] {0, 0, 0, 0, 0, 24, 0, 0, 24, 0, 0}),
            Map.entry(',', new int[] {0, 0, 0, 0, 0, 0, 0, 0, 12, 8, 16}),
            Map.entry('(', new int[] {0, 0, 4, 8, 24, 24, 24, 24, 8, 4, 0}),
            Map.entry(')', new int[] {0, 0, 16, 8, 12, 12, 12, 12, 8, 16, 0}),
            Map.entry('/', new int[] {0, 0, 2, 2, 4, 4, 8, 8, 16, 16, 0}),
            Map.entry('%', new int[] {0, 0, 56, 42, 60, 8, 30, 42, 14, 0, 0}),
            Map.entry('#', new int[] {0, 0, 20, 20, 62, 20, 20, 62, 20, 20, 0}),
            Map.entry('<', new int[] {0, 0, 0, 12, 24, 48, 24, 12, 0, 0, 0}),
            Map.entry('>', new int[] {0, 0, 0, 24, 12, 6, 12, 24, 0, 0, 0}),
            Map.entry('[', new int[] {0, 0, 28, 24, 24, 24, 24, 24, 24, 28, 0}),
            Map.entry(']', new int[] {0, 0, 28, 12, 12, 12, 12, 12, 12, 28, 0}),
            Map.entry('\'', new int[] {0, 0, 12, 8, 16, 0, 0, 0, 0, 0, 0}),
            Map.entry(' ', new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));

    private BitmapFont() {}

    /** Width of {@code text} in pixels at {@code scale}. */
    public static int width(String text, int scale) {
        return text.length() * WIDTH * scale;
    }

    /** Draws {@code text} with its top-left corner at (x, y), clipped to the image. */
    public static void draw(BufferedImage img, String text, int x, int y, int rgb, int scale) {
        for (int i = 0; i < text.length(); i++) {
            int[] g = GLYPHS.get(text.charAt(i));
            if (g == null) {
                g = GLYPHS.get(Character.toLowerCase(text.charAt(i)));
            }
            if (g == null) {
                continue;
            }
            for (int r = 0; r < HEIGHT; r++) {
                for (int c = 0; c < WIDTH; c++) {
                    if ((g[r] >> (WIDTH - 1 - c) & 1) == 0) {
                        continue;
                    }
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            int px = x + (i * WIDTH + c) * scale + dx;
                            int py = y + r * scale + dy;
                            if (px >= 0 && py >= 0 && px < img.getWidth() && py < img.getHeight()) {
                                img.setRGB(px, py, rgb);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Shortens {@code text} to at most {@code chars} characters, marking a cut with {@code ..}. */
    public static String fit(String text, int chars) {
        return text.length() <= chars ? text : text.substring(0, Math.max(1, chars - 2)) + "..";
    }
}
