package io.salience.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.salience.engine.Outputs;
import io.salience.engine.Rows;
import io.salience.model.LoadedModel;
import io.salience.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Salience's metrics against Quantus 0.5.3 on committed maps of four planted-demo images
 * ({@code tools/reference/make_quantus_reference.py}): deletion and insertion curves (Quantus's PixelFlipping loop;
 * its curve has no unperturbed point and its AUC is {@code np.trapz(curve, dx=1)}, so both AUCs are compared),
 * faithfulness correlation with the subsets Quantus drew, pointing game, relevance mass accuracy / attribution
 * localisation (energy inside) and top-k intersection (the IoU's intersection count). Tolerance 1e-3.
 */
@ExtendWith(TestModels.class)
class QuantusAgreementTest {

    private static final Path REFERENCE = Path.of("src/test/resources/reference/evaluation/quantus.json");
    private static final int BATCH = 32;

    static Scorer probability(LoadedModel m, int target) {
        return inputs -> {
            List<float[]> p = m.predictRows(inputs);
            float[] s = new float[p.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = p.get(i)[target];
            }
            return s;
        };
    }

    static Scorer logit(LoadedModel m, float[] seed) {
        return inputs -> {
            int n = inputs.size();
            Outputs o = m.graph().predict(Rows.concat(inputs), n);
            float[] s = new float[n];
            for (int i = 0; i < n; i++) {
                s[i] = Rows.dot(seed, Rows.row(o.get(0), n, i));
            }
            return s;
        };
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return v;
    }

    @Test
    void agreesWithQuantus() throws IOException {
        JsonNode doc = new ObjectMapper().readTree(Files.readString(REFERENCE));
        LoadedModel model = TestModels.planted();
        int steps = doc.get("steps").asInt();
        assertThat(doc.get("fill").asString()).isEqualTo("black");
        int checked = 0;
        for (JsonNode c : doc.get("cases")) {
            float[] input = floats(c.get("input"));
            float[] map = floats(c.get("map"));
            boolean[] mask = new boolean[map.length];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = c.get("mask").get(i).asInt() == 1;
            }
            int target = c.get("target").asInt();
            List<int[]> subsets = new ArrayList<>();
            for (JsonNode s : c.get("fcSubsets")) {
                int[] idx = new int[s.size()];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = s.get(i).asInt();
                }
                subsets.add(idx);
            }
            EvaluationOptions options = new EvaluationOptions(
                    EvaluationOptions.DEFAULT.metrics(),
                    steps,
                    Fill.BLACK,
                    subsets.get(0).length,
                    subsets.size(),
                    0,
                    0,
                    0.1);
            float[] fill = Fill.BLACK.apply(input, 32, 32, 3);
            Region region = new Region(mask, 32, 32, "square");
            EvaluationService.Subject subject = new EvaluationService.Subject(
                    model, input, 32, 32, 3, target, model.seed(target), region, options, fill, subsets, null);
            MetricReport r = EvaluationService.evaluate(
                    subject, map, Map.of(), probability(model, target), logit(model, model.seed(target)), BATCH);

            String what = "planted#" + c.get("index").asInt();
            float[] qDel = floats(c.get("deletion"));
            float[] qIns = floats(c.get("insertion"));
            assertThat(qDel).hasSize(steps);
            for (int i = 0; i < steps; i++) {
                assertThat(r.deletion().scores()[i + 1])
                        .as(what + " deletion point " + (i + 1))
                        .isCloseTo(qDel[i], within(1e-3f));
                assertThat(r.insertion().scores()[i + 1])
                        .as(what + " insertion point " + (i + 1))
                        .isCloseTo(qIns[i], within(1e-3f));
            }
            // Quantus's AUC from our points (no start point, dx = 1), and ours from Quantus's points
            assertThat(quantusAuc(r.deletion().scores()))
                    .isCloseTo(c.get("deletionAuc").asDouble(), within(1e-3));
            assertThat(quantusAuc(r.insertion().scores()))
                    .isCloseTo(c.get("insertionAuc").asDouble(), within(1e-3));
            float[] withStart = new float[steps + 1];
            withStart[0] = r.deletion().scores()[0];
            System.arraycopy(qDel, 0, withStart, 1, steps);
            assertThat(r.deletion().auc())
                    .isCloseTo(Faithfulness.trapezoid(r.deletion().fractions(), withStart), within(1e-3));

            assertThat(r.faithfulnessCorrelation())
                    .as(what + " faithfulness correlation")
                    .isCloseTo(c.get("faithfulnessCorrelation").asDouble(), within(1e-3));
            assertThat(r.localisation().pointingGame())
                    .isEqualTo(c.get("pointingGame").asBoolean());
            assertThat(r.localisation().energyInside())
                    .isCloseTo(c.get("relevanceMassAccuracy").asDouble(), within(1e-3))
                    .isCloseTo(c.get("attributionLocalisation").asDouble(), within(1e-3));
            // the default top-k is the region's own area: Quantus's k = 36 pixels of the 6x6 square
            int k = c.get("k").asInt();
            assertThat(Localisation.topCount(1024, r.localisation().topPercent()))
                    .isEqualTo(k);
            double intersection = c.get("topKIntersection").asDouble() * k;
            assertThat(r.localisation().topIou()).isCloseTo(intersection / (2 * k - intersection), within(1e-3));
            checked++;
        }
        assertThat(checked).isEqualTo(4);
    }

    /** Quantus's {@code calculate_auc}: {@code np.trapz} with dx = 1 over the points after the start. */
    private static double quantusAuc(float[] withStart) {
        double a = 0;
        for (int i = 2; i < withStart.length; i++) {
            a += ((double) withStart[i - 1] + withStart[i]) / 2;
        }
        return a;
    }
}
