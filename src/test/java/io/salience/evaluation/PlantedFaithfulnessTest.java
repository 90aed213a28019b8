package io.salience.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.salience.model.LoadedModel;
import io.salience.testing.Planted;
import io.salience.testing.TestModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The metrics on planted-demo, whose ground truth is known: the class is decided by the 6x6 square alone. A map that
 * is the square must beat a random map on deletion and insertion, and score 1 on every localisation metric.
 */
@ExtendWith(TestModels.class)
class PlantedFaithfulnessTest {

    @Test
    void theTrueSquareBeatsARandomMap() {
        LoadedModel model = TestModels.planted();
        List<Planted.Image> images = Planted.heldout().subList(0, 20);
        double delSquare = 0;
        double delRandom = 0;
        double insSquare = 0;
        double insRandom = 0;
        for (Planted.Image img : images) {
            float[] input = model.descriptor().prepare(img.picture()).tensor();
            int target = model.descriptor().labels().indexOf(img.label());
            boolean[] mask = new boolean[32 * 32];
            float[] square = new float[32 * 32];
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    mask[y * 32 + x] = img.inside(x, y);
                    square[y * 32 + x] = img.inside(x, y) ? 1f : 0f;
                }
            }
            EvaluationOptions o = EvaluationOptions.DEFAULT;
            EvaluationService.Subject s = EvaluationService.Subject.of(
                    model, input, 32, 32, 3, target, model.seed(target), new Region(mask, 32, 32, "square"), o, null);
            Scorer p = QuantusAgreementTest.probability(model, target);
            Scorer z = QuantusAgreementTest.logit(model, model.seed(target));
            MetricReport sq = EvaluationService.evaluate(s, square, Map.of(), p, z, 32);
            MetricReport rn = EvaluationService.evaluate(s, PixelMaps.random(32, 32, img.index()), Map.of(), p, z, 32);
            assertThat(sq.localisation().pointingGame()).isTrue();
            assertThat(sq.localisation().energyInside()).isEqualTo(1.0);
            assertThat(sq.localisation().areaFraction()).isCloseTo(36 / 1024.0, within(1e-12));
            assertThat(sq.localisation().topIou()).isEqualTo(1.0);
            assertThat(sq.border().areaFraction()).isCloseTo(1 - 26.0 * 26 / 1024, within(1e-12));
            // the curve starts at the model's probability of the input and ends at the filled canvas's
            assertThat(sq.deletion().scores()[0]).isEqualTo(p.scores(List.of(input))[0]);
            assertThat(sq.insertion().scores()[0]).isEqualTo(p.scores(List.of(s.fill()))[0]);
            delSquare += sq.deletion().auc();
            delRandom += rn.deletion().auc();
            insSquare += sq.insertion().auc();
            insRandom += rn.insertion().auc();
        }
        int n = images.size();
        System.out.printf(
                "planted: deletion square %.4f random %.4f, insertion square %.4f random %.4f%n",
                delSquare / n, delRandom / n, insSquare / n, insRandom / n);
        // measured (mean of 20, steps 32, fill black): deletion 0.315 vs 0.794, insertion 0.989 vs 0.791
        assertThat(delSquare / n).isLessThan(delRandom / n - 0.3);
        assertThat(insSquare / n).isGreaterThan(insRandom / n + 0.1);
    }
}
