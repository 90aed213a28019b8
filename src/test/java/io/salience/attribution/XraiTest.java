package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.imaging.NpyArray;
import io.salience.imaging.NpyReader;
import io.salience.model.LoadedModel;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * XRAI's ranking: a case small enough to follow by hand, and agreement with PAIR saliency's XRAI given PAIR's own
 * segments ({@code tools/reference/make_xrai_reference.py}), so that the attribution and the greedy ranking are
 * compared, not two segmentation libraries.
 */
@ExtendWith(TestModels.class)
class XraiTest {

    private static final Path REFERENCE = Path.of("src/test/resources/reference/xrai");

    @Test
    void segmentsAreAddedByTheMeanAttributionOfTheirNewPixels() {
        // 1x6 image; A covers 0-2 (mean 2), B covers 2-4 (new pixels 3,4: mean 5), C covers 5 (mean -1)
        float[] attr = {1, 2, 3, 4, 6, -1};
        boolean[] a = {true, true, true, false, false, false};
        boolean[] b = {false, false, true, true, true, false};
        boolean[] c = {false, false, false, false, false, true};
        Xrai.Ranked r = Xrai.rank(attr, List.of(a, b, c), 1, 1.0);
        // B first (mean of 3,4,6 = 4.33), then A adds 0,1 (mean 1.5), then C (-1)
        assertThat(r.values()).containsExactly(1.5f, 1.5f, 13f / 3, 13f / 3, 13f / 3, -1f);
        assertThat(r.ranks()).containsExactly(2, 2, 1, 1, 1, 3);
        // a segment adding fewer new pixels than the minimum is dropped; the rest get their own mean
        Xrai.Ranked strict = Xrai.rank(attr, List.of(a, b, c), 2, 1.0);
        assertThat(strict.values()).containsExactly(1.5f, 1.5f, 13f / 3, 13f / 3, 13f / 3, -1f);
        assertThat(strict.ranks()).containsExactly(2, 2, 1, 1, 1, 3);
    }

    static List<JsonNode> cases() throws IOException {
        return Inputs.manifestCases(REFERENCE.resolve("manifest.json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agreesWithPairXraiOnPairsSegments(JsonNode c) throws IOException {
        String fixture = c.path("fixture").asString();
        LoadedModel m = TestModels.arch(fixture + "/keras2");
        AttributionContext ctx = Inputs.context(
                m,
                Inputs.tensor(m, Inputs.archInput(fixture, 0)),
                c.path("target").asInt(),
                Map.of());
        NpyArray seg = NpyReader.read(
                Path.of("src/test/resources").resolve(c.path("segments").asString()));
        int n = seg.shape()[0];
        int pixels = seg.shape()[1] * seg.shape()[2];
        int[] flat = seg.toIntArray();
        List<boolean[]> masks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean[] mask = new boolean[pixels];
            for (int p = 0; p < pixels; p++) {
                mask[p] = flat[i * pixels + p] != 0;
            }
            masks.add(mask);
        }
        float[] ours = Xrai.rank(Xrai.baseAttribution(ctx, 100), masks, 50, 1.0).values();
        float[] reference = NpyReader.read(
                        Path.of("src/test/resources").resolve(c.path("file").asString()))
                .toFloatArray();
        double spearman = ReferenceAgreementTest.spearman(ours, reference);
        System.out.printf(Locale.ROOT, "[XRAI] %-12s masks %3d spearman %.6f%n", fixture, n, spearman);
        assertThat(spearman).as("%s XRAI vs PAIR on PAIR's segments", fixture).isGreaterThanOrEqualTo(0.95);
    }
}
