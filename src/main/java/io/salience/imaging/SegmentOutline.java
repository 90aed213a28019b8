package io.salience.imaging;

import java.util.Objects;

/**
 * Segments to outline in a {@link RenderMode#SEGMENTS} picture, e.g. LIME's top-k positive superpixels.
 *
 * @param segmentation the segments, at the map's resolution
 * @param highlighted the labels to outline, most important first (not copied)
 */
public record SegmentOutline(Segmentation segmentation, int[] highlighted) {

    /** Validates the labels. */
    public SegmentOutline {
        Objects.requireNonNull(segmentation, "segmentation must not be null");
        Objects.requireNonNull(highlighted, "highlighted must not be null");
        for (int l : highlighted) {
            if (l < 0 || l >= segmentation.count()) {
                throw new IllegalArgumentException("segment " + l + " outside 0.." + (segmentation.count() - 1));
            }
        }
    }
}
