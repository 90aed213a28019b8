package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.graph.LayerInfo;
import io.salience.graph.Rule;
import io.salience.imaging.PreparedImage;
import io.salience.model.LoadedModel;
import io.salience.testing.DirectGraphAccess;
import io.salience.testing.Inputs;
import io.salience.testing.Planted;
import io.salience.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The perturbation methods under different pool batch sizes: never more than {@code maxBatch} rows per call, progress
 * reported up to the total, and the same seed gives the same map bit for bit whatever the batch size; another seed
 * gives another map.
 */
@ExtendWith(TestModels.class)
class PerturbationBatchingTest {

    /** Direct graph access with a given max batch that records the size of every call. */
    static final class Limited implements GraphAccess {
        final DirectGraphAccess direct;
        final int max;
        final List<Integer> calls = new ArrayList<>();

        Limited(LoadedModel model, int max) {
            this.direct = new DirectGraphAccess(model);
            this.max = max;
        }

        @Override
        public int maxBatch() {
            return max;
        }

        @Override
        public float[] scores(List<float[]> inputs, float[] seed) {
            calls.add(inputs.size());
            return direct.scores(inputs, seed);
        }

        @Override
        public List<float[]> logits(List<float[]> inputs) {
            calls.add(inputs.size());
            return direct.logits(inputs);
        }

        @Override
        public float[] scoresFromLayer(LayerInfo layer, float[] input, List<float[]> activations, float[] seed) {
            throw new AssertionError("perturbation methods feed no layer");
        }

        @Override
        public List<Gradient> inputGradients(Rule rule, List<float[]> inputs, float[] seed) {
            throw new AssertionError("perturbation methods need no gradients");
        }

        @Override
        public LayerGradient layerGradients(LayerInfo layer, Rule rule, float[] input, float[] seed) {
            throw new AssertionError("perturbation methods need no gradients");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lime", "occlusion", "rise"})
    void sameSeedSameMapWhateverTheBatching(String method) {
        LoadedModel model = TestModels.planted();
        PreparedImage image =
                model.descriptor().prepare(Planted.heldout().get(3).picture());
        SaliencyMethod m =
                switch (method) {
                    case "lime" -> new LimeMethod();
                    case "occlusion" -> new OcclusionMethod();
                    default -> new RiseMethod();
                };
        Map<String, String> params =
                switch (method) {
                    case "lime" -> Map.of("samples", "300", "seed", "11");
                    case "rise" -> Map.of("masks", "300", "seed", "11");
                    default -> Map.of();
                };
        float[] first = null;
        for (int max : new int[] {64, 7, 1000}) {
            Limited g = new Limited(model, max);
            AttributionContext base = Inputs.context(model, image, params);
            List<long[]> progress = new ArrayList<>();
            AttributionContext ctx = new AttributionContext(
                    model,
                    image,
                    null,
                    base.seed(),
                    base.targetScore(),
                    base.params(),
                    g,
                    (done, total, step) -> progress.add(new long[] {done, total}));
            float[] map = m.compute(ctx).values();
            assertThat(g.calls).as("rows per call at max-batch %d", max).allMatch(n -> n <= max);
            long total = g.calls.stream().mapToLong(Integer::longValue).sum();
            assertThat(progress.get(progress.size() - 1)).containsExactly(total, total);
            if (first == null) {
                first = map;
            } else {
                assertThat(map)
                        .as("%s at max-batch %d, bit for bit", method, max)
                        .isEqualTo(first);
            }
        }
        if (!method.equals("occlusion")) {
            Map<String, String> other = new java.util.HashMap<>(params);
            other.put("seed", "12");
            float[] different = m.compute(Inputs.context(model, image, other)).values();
            assertThat(different).as("another seed").isNotEqualTo(first);
        }
    }
}
