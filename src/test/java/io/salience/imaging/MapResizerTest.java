package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MapResizerTest {

    @Test
    void resizesMultiChannelMaps() {
        // 1 x 2 map, 2 channels: (0, 10), (100, 30) -> 1 x 4 bilinear at -0.25, 0.25, 0.75, 1.25.
        float[] out = MapResizer.resize(new float[] {0, 10, 100, 30}, 2, 1, 2, 4, 1, ResizeMethod.BILINEAR);
        assertThat(out).containsExactly(new float[] {0, 10, 25, 15, 75, 25, 100, 30}, within(1e-5f));
    }

    @Test
    void shrinksWithArea() {
        float[] map = new float[16];
        for (int i = 0; i < 16; i++) {
            map[i] = i;
        }
        // 2x2 blocks of 0..15 laid out 4 per row: means 2.5, 4.5, 10.5, 12.5.
        assertThat(MapResizer.resize(map, 4, 4, 1, 2, 2, ResizeMethod.AREA))
                .containsExactly(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, within(1e-5f));
    }

    @Test
    void rejectsAWrongShape() {
        assertThatThrownBy(() -> MapResizer.resize(new float[3], 2, 2, 1, 4, 4, ResizeMethod.BILINEAR))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
