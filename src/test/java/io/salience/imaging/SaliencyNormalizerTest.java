package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SaliencyNormalizerTest {

    @Test
    void selectionGivesTheSortedPercentileExactly() {
        Random random = new Random(16);
        double[] ps = {0, 0.1, 1, 25, 50, 75, 99, 99.5, 99.9, 100};
        int[] lengths = {1, 2, 3, 15, 16, 17, 100, 2500, 7500, 50176};
        for (int n : lengths) {
            for (int kind = 0; kind < 5; kind++) {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = switch (kind) {
                        case 0 -> random.nextFloat();
                        case 1 -> random.nextInt(4); // many ties
                        case 2 -> i % 7 == 0 ? (float) Math.abs(random.nextGaussian()) : 0f; // sparse
                        case 3 -> (float) i; // sorted
                        default -> (float) (n - i) * 1e-30f; // reversed, tiny
                    };
                }
                for (double p : ps) {
                    double expected = SaliencyNormalizer.percentile(v, p);
                    assertThat(SaliencyNormalizer.percentileOfMagnitudes(v.clone(), p))
                            .as("n %d kind %d p %s", n, kind, p)
                            .isEqualTo(expected);
                }
            }
        }
        float[] p = new float[101];
        p[3] = 1;
        assertThatThrownBy(() -> SaliencyNormalizer.percentileOfMagnitudes(p, 101))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SaliencyNormalizer.percentileOfMagnitudes(new float[0], 50))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void percentileInterpolatesLinearlyLikeNumpy() {
        float[] values = {4, 1, 3, 2};
        // Sorted 1, 2, 3, 4; h = 3 * p / 100.
        assertThat(SaliencyNormalizer.percentile(values, 50)).isEqualTo(2.5); // h = 1.5
        assertThat(SaliencyNormalizer.percentile(values, 99.5)).isCloseTo(3.985, within(1e-12)); // h = 2.985
        assertThat(SaliencyNormalizer.percentile(values, 100)).isEqualTo(4.0);
        assertThat(SaliencyNormalizer.percentile(values, 0)).isEqualTo(1.0);
        assertThat(SaliencyNormalizer.percentile(values, 25)).isEqualTo(1.75); // h = 0.75
        assertThat(SaliencyNormalizer.percentile(new float[] {7}, 30)).isEqualTo(7.0);
        assertThat(values).containsExactly(4, 1, 3, 2); // not modified
    }

    @Test
    void maxAbsDividesByThePercentileAndClips() {
        // 1 x 4 pixels, 2 channels: (1, -2), (0, 0), (-4, 3), (0.5, 0.5) -> max |v| = 2, 0, 4, 0.5.
        float[] raw = {1, -2, 0, 0, -4, 3, 0.5f, 0.5f};
        NormalizedSaliency p50 =
                SaliencyNormalizer.normalize(raw, 1, 4, 2, new NormalizationOptions(SaliencyReduction.MAX_ABS, 50));
        // Sorted 0, 0.5, 2, 4: h = 1.5 -> 1.25.
        assertThat(p50.clipValue()).isEqualTo(1.25);
        assertThat(p50.values()).containsExactly(new float[] {1f, 0f, 1f, 0.4f}, within(1e-6f));
        assertThat(p50.rawMin()).isEqualTo(-4.0);
        assertThat(p50.rawMax()).isEqualTo(3.0);
        assertThat(p50.height()).isEqualTo(1);
        assertThat(p50.width()).isEqualTo(4);

        NormalizedSaliency byMax =
                SaliencyNormalizer.normalize(raw, 1, 4, 2, new NormalizationOptions(SaliencyReduction.MAX_ABS, 100));
        assertThat(byMax.values()).containsExactly(new float[] {0.5f, 0f, 1f, 0.125f}, within(1e-6f));

        // Default 99.5: h = 2.985 -> 2 + 0.985 * 2 = 3.97.
        NormalizedSaliency defaults = SaliencyNormalizer.normalize(raw, 1, 4, 2);
        assertThat(defaults.clipValue()).isCloseTo(3.97, within(1e-6));
        assertThat(defaults.options()).isEqualTo(NormalizationOptions.DEFAULT);
        assertThat(defaults.values())
                .containsExactly(new float[] {(float) (2 / 3.97), 0f, 1f, (float) (0.5 / 3.97)}, within(1e-6f));
    }

    @Test
    void signedSumsChannelsAndCentresZero() {
        // 1 x 4 pixels, 2 channels: sums -1, 0, -1, 1.
        float[] raw = {1, -2, 0, 0, -4, 3, 0.5f, 0.5f};
        NormalizedSaliency signed =
                SaliencyNormalizer.normalize(raw, 1, 4, 2, new NormalizationOptions(SaliencyReduction.SIGNED, 100));
        assertThat(signed.values()).containsExactly(0f, 0.5f, 0f, 1f);

        // One channel: -2, 1, 4, 0; |s| sorted 0, 1, 2, 4 -> 50th percentile 1.5.
        NormalizedSaliency p50 = SaliencyNormalizer.normalize(
                new float[] {-2, 1, 4, 0}, 2, 2, 1, new NormalizationOptions(SaliencyReduction.SIGNED, 50));
        assertThat(p50.clipValue()).isEqualTo(1.5);
        assertThat(p50.values()).containsExactly(new float[] {0f, (float) (0.5 + 0.5 / 1.5), 1f, 0.5f}, within(1e-6f));
    }

    @Test
    void allZeroMapsGiveNoNan() {
        NormalizedSaliency maxAbs = SaliencyNormalizer.normalize(new float[12], 2, 2, 3);
        assertThat(maxAbs.values()).containsOnly(0f);
        assertThat(maxAbs.clipValue()).isZero();
        assertThat(maxAbs.rawMin()).isZero();
        assertThat(maxAbs.rawMax()).isZero();
        NormalizedSaliency signed = SaliencyNormalizer.normalize(
                new float[4], 2, 2, 1, new NormalizationOptions(SaliencyReduction.SIGNED, 99.5));
        assertThat(signed.values()).containsOnly(0.5f);
    }

    @Test
    void sparseMapsFallBackToTheMaximum() {
        float[] raw = new float[10];
        raw[9] = 5; // the 50th percentile is 0
        NormalizedSaliency n =
                SaliencyNormalizer.normalize(raw, 1, 10, 1, new NormalizationOptions(SaliencyReduction.MAX_ABS, 50));
        assertThat(n.clipValue()).isEqualTo(5.0);
        assertThat(n.values()[9]).isEqualTo(1f);
        assertThat(n.values()[0]).isZero();
    }

    @Test
    void validatesInput() {
        assertThatThrownBy(() -> SaliencyNormalizer.normalize(new float[5], 2, 2, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2x2x1");
        assertThatThrownBy(() -> SaliencyNormalizer.normalize(new float[] {Float.NaN}, 1, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-finite");
        for (double bad : new double[] {0, -1, 100.5, Double.NaN}) {
            assertThatThrownBy(() -> new NormalizationOptions(SaliencyReduction.MAX_ABS, bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(0, 100]");
        }
        assertThatThrownBy(() -> SaliencyNormalizer.percentile(new float[0], 50))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
