package io.salience.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Localisation and border metrics on inputs with known answers. */
class LocalisationTest {

    /** A 10x10 image with a 3x4 region at rows 2..4, columns 5..8. */
    private static boolean[] region() {
        boolean[] r = new boolean[100];
        for (int y = 2; y < 5; y++) {
            for (int x = 5; x < 9; x++) {
                r[y * 10 + x] = true;
            }
        }
        return r;
    }

    private static float[] of(boolean[] mask) {
        float[] m = new float[mask.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = mask[i] ? 1f : 0f;
        }
        return m;
    }

    @Test
    void aMapEqualToTheMaskScoresOne() {
        boolean[] r = region();
        float[] map = of(r);
        assertThat(Localisation.pointingGame(map, r)).isTrue();
        assertThat(Localisation.energyInside(map, r)).isEqualTo(1.0);
        assertThat(Localisation.topIou(map, r, 100.0 * Localisation.areaFraction(r)))
                .isEqualTo(1.0);
    }

    @Test
    void aConstantMapScoresTheAreaFraction() {
        boolean[] r = region();
        float[] map = new float[100];
        Arrays.fill(map, 0.3f);
        assertThat(Localisation.areaFraction(r)).isEqualTo(0.12);
        assertThat(Localisation.energyInside(map, r)).isCloseTo(0.12, within(1e-12));
        // every pixel holds the maximum: Quantus would count a hit, but a constant map points nowhere
        assertThat(Localisation.constant(map)).isTrue();
        assertThat(Localisation.pointingGame(map, r)).isFalse();
        assertThat(Localisation.pointingGame(new float[100], r)).isFalse();
        // ties are ranked by index: the top 12 % are pixels 0..11 (row 0 and two of row 1), none inside
        assertThat(Localisation.topIou(map, r, 12)).isEqualTo(0.0);
    }

    @Test
    void pointingGameFollowsTheMaximum() {
        boolean[] r = region();
        float[] map = new float[100];
        map[3 * 10 + 6] = 2f; // inside
        map[0] = 1f;
        assertThat(Localisation.pointingGame(map, r)).isTrue();
        map[0] = 3f; // outside now holds the maximum
        assertThat(Localisation.pointingGame(map, r)).isFalse();
        // ties: a hit when any pixel holding the maximum is inside (Quantus's rule)
        map[3 * 10 + 6] = 3f;
        assertThat(Localisation.pointingGame(map, r)).isTrue();
    }

    @Test
    void handComputedEnergyAndIou() {
        boolean[] r = region();
        float[] map = new float[100];
        // 6 of the 12 region pixels at 2, 6 outside pixels at 1: energy 12 / 18; top 12 = 6 inside + 6 outside,
        // IoU 6 / (12 + 12 - 6)
        int inside = 0;
        for (int i = 0; i < 100 && inside < 6; i++) {
            if (r[i]) {
                map[i] = 2f;
                inside++;
            }
        }
        for (int i = 90; i < 96; i++) {
            map[i] = 1f;
        }
        assertThat(Localisation.energyInside(map, r)).isCloseTo(12.0 / 18.0, within(1e-12));
        assertThat(Localisation.topIou(map, r, 12)).isCloseTo(6.0 / 18.0, within(1e-12));
        assertThat(Localisation.topCount(100, 12)).isEqualTo(12);
        assertThat(Localisation.topCount(100, 0.001)).isEqualTo(1);
    }

    @Test
    void borderBand() {
        // 10x10, band 0.1 = 1 pixel: 100 - 64 = 36 pixels
        boolean[] band = Localisation.borderMask(10, 10, 0.1);
        assertThat(Localisation.areaFraction(band)).isEqualTo(0.36);
        float[] constant = new float[100];
        Arrays.fill(constant, 1f);
        assertThat(Localisation.borderEnergy(constant, 10, 10, 0.1)).isCloseTo(0.36, within(1e-12));
        // one hot column at the left edge: all energy in the band
        float[] column = new float[100];
        for (int y = 0; y < 10; y++) {
            column[y * 10] = 1f;
        }
        assertThat(Localisation.borderEnergy(column, 10, 10, 0.1)).isEqualTo(1.0);
        // 50x50 at 10 %: 5 pixels, 1 - 40² / 50² = 0.36
        assertThat(Localisation.areaFraction(Localisation.borderMask(50, 50, 0.1)))
                .isCloseTo(0.36, within(1e-12));
        // an all-zero map has no energy to place
        assertThat(Localisation.borderEnergy(new float[100], 10, 10, 0.1)).isNaN();
    }

    @Test
    void referenceMaps() {
        float[] g = PixelMaps.centreGaussian(9, 9);
        assertThat(g[4 * 9 + 4]).isEqualTo(1f);
        // one quarter of the side (2.25) away: exp(-1/2)... at distance 2 along a row: exp(-4 / (2 * 2.25²))
        assertThat((double) g[4 * 9 + 6]).isCloseTo(Math.exp(-4 / (2 * 2.25 * 2.25)), within(1e-6));
        float[] a = PixelMaps.random(8, 8, 7);
        float[] b = PixelMaps.random(8, 8, 7);
        assertThat(a).containsExactly(b);
        assertThat(PixelMaps.random(8, 8, 8)).isNotEqualTo(a);
        for (float v : a) {
            assertThat(v).isBetween(0f, 1f);
        }
    }
}
