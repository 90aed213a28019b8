package io.salience.testing;

import io.salience.imaging.NpyArray;
import io.salience.imaging.NpyReader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The 100 held-back images of the planted-signal demo model ({@code src/test/resources/planted}, made by {@code
 * tools/reference/make_planted.py}): pictures and the position of their coloured square.
 */
public final class Planted {

    private static final Path DIR = Path.of("src/test/resources/planted");

    private Planted() {}

    /**
     * One held-back image.
     *
     * @param index row in {@code heldout.npy}
     * @param label the class (the square's colour)
     * @param x left column of the square
     * @param y top row of the square
     * @param size side of the square
     */
    public record Image(int index, String label, int x, int y, int size, BufferedImage picture) {
        /** Whether pixel {@code (px, py)} is inside the square. */
        public boolean inside(int px, int py) {
            return px >= x && px < x + size && py >= y && py < y + size;
        }

        @Override
        public String toString() {
            return "planted#" + index;
        }
    }

    /** All held-back images, in file order. */
    public static List<Image> heldout() {
        try {
            NpyArray pixels = NpyReader.read(DIR.resolve("heldout.npy"));
            int[] shape = pixels.shape();
            int h = shape[1];
            int w = shape[2];
            float[] v = pixels.toFloatArray();
            List<String> lines = Files.readAllLines(DIR.resolve("heldout.csv"));
            List<Image> out = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                int i = Integer.parseInt(f[0]);
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int o = ((i * h + y) * w + x) * 3;
                        img.setRGB(x, y, ((int) v[o] << 16) | ((int) v[o + 1] << 8) | (int) v[o + 2]);
                    }
                }
                out.add(new Image(
                        i, f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]), img));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
