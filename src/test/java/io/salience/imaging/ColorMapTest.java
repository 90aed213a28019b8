package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ColorMapTest {

    @Test
    void viridisAndInfernoAreMatplotlibsTables() {
        assertThat(ColorMap.VIRIDIS.rgb(0)).isEqualTo(rgb(68, 1, 84));
        assertThat(ColorMap.VIRIDIS.rgb(128)).isEqualTo(rgb(33, 145, 140));
        assertThat(ColorMap.VIRIDIS.rgb(255)).isEqualTo(rgb(253, 231, 37));
        assertThat(ColorMap.INFERNO.rgb(0)).isEqualTo(rgb(0, 0, 4));
        assertThat(ColorMap.INFERNO.rgb(128)).isEqualTo(rgb(188, 55, 84));
        assertThat(ColorMap.INFERNO.rgb(255)).isEqualTo(rgb(252, 255, 164));
    }

    @Test
    void jetIsPiecewiseLinear() {
        assertThat(ColorMap.JET.rgb(0)).isEqualTo(rgb(0, 0, 128)); // blue = 1.5 - 1 = 0.5
        assertThat(ColorMap.JET.rgb(32)).isEqualTo(rgb(0, 1, 255)); // green = 382.5 - 382 = 0.5 -> 1
        assertThat(ColorMap.JET.rgb(96)).isEqualTo(rgb(2, 255, 254)); // red 1.5 -> 2, blue 253.5 -> 254
        assertThat(ColorMap.JET.rgb(160)).isEqualTo(rgb(255, 253, 0));
        assertThat(ColorMap.JET.rgb(255)).isEqualTo(rgb(128, 0, 0));
    }

    @Test
    void grayIsLinear() {
        for (int i = 0; i < ColorMap.SIZE; i++) {
            assertThat(ColorMap.GRAY.rgb(i)).isEqualTo(rgb(i, i, i));
        }
    }

    @Test
    void valuesSelectEntriesLikeMatplotlib() {
        assertThat(ColorMap.index(0)).isZero();
        assertThat(ColorMap.index(1.0 / 256 - 1e-9)).isZero();
        assertThat(ColorMap.index(1.0 / 256)).isEqualTo(1);
        assertThat(ColorMap.index(0.5)).isEqualTo(128);
        assertThat(ColorMap.index(0.999)).isEqualTo(255);
        assertThat(ColorMap.index(1)).isEqualTo(255);
        assertThat(ColorMap.index(-3)).isZero();
        assertThat(ColorMap.index(7)).isEqualTo(255);
        assertThat(ColorMap.index(Double.NaN)).isZero();
        assertThat(ColorMap.VIRIDIS.rgb(1.0)).isEqualTo(rgb(253, 231, 37));
        assertThatThrownBy(() -> ColorMap.GRAY.rgb(256)).isInstanceOf(IllegalArgumentException.class);
    }

    private static int rgb(int r, int g, int b) {
        return (r << 16) | (g << 8) | b;
    }
}
