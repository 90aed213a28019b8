package io.salience.imaging;

import java.util.Objects;

/**
 * A partition of an image into segments (superpixels), as {@link Superpixels} makes it.
 *
 * @param labels one label per pixel, row-major, each in {@code 0..count-1} (not copied)
 * @param width image width
 * @param height image height
 * @param count number of segments; every label below it occurs
 */
public record Segmentation(int[] labels, int width, int height, int count) {

    /** Validates the shape and the labels. */
    public Segmentation {
        Objects.requireNonNull(labels, "labels must not be null");
        if (width < 1 || height < 1 || (long) width * height != labels.length) {
            throw new IllegalArgumentException(
                    "segmentation has " + labels.length + " labels, not " + width + "x" + height);
        }
        boolean[] seen = new boolean[Math.max(count, 0)];
        for (int l : labels) {
            if (l < 0 || l >= count) {
                throw new IllegalArgumentException("label " + l + " outside 0.." + (count - 1));
            }
            seen[l] = true;
        }
        for (int l = 0; l < count; l++) {
            if (!seen[l]) {
                throw new IllegalArgumentException("segment " + l + " has no pixel");
            }
        }
    }

    /** The label at pixel {@code (x, y)}. */
    public int label(int x, int y) {
        return labels[y * width + x];
    }

    /** Pixels per segment. */
    public int[] sizes() {
        int[] n = new int[count];
        for (int l : labels) {
            n[l]++;
        }
        return n;
    }
}
