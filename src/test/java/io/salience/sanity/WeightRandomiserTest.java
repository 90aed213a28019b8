package io.salience.sanity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.salience.engine.ModelGraph;
import io.salience.engine.WeightInfo;
import io.salience.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Fresh weights: the Keras initializers' distributions, the statistics fallback, and where each comes from. */
@ExtendWith(TestModels.class)
class WeightRandomiserTest {

    private static JsonNode json(String s) {
        return JsonMapper.builder().build().readTree(s);
    }

    private static double[] meanVar(float[] v) {
        double m = 0;
        for (float x : v) {
            m += x;
        }
        m /= v.length;
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return new double[] {m, s / v.length};
    }

    @Test
    void glorotUniformHasKerasLimitAndVariance() {
        WeightInfo w = new WeightInfo("conv/kernel", "m/conv", new long[] {3, 3, 64, 64});
        WeightRandomiser.Drawn d = WeightRandomiser.draw(
                w, new float[w.size()], json("{\"class_name\":\"GlorotUniform\",\"config\":{\"seed\":null}}"), 1);
        double limit = Math.sqrt(6.0 / (576 + 576));
        for (float v : d.values()) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo((float) limit);
        }
        double[] mv = meanVar(d.values());
        // uniform(-l, l): variance l^2 / 3; 36864 draws, so the sample variance is within 2 %
        assertThat(mv[1]).isCloseTo(limit * limit / 3, within(0.02 * limit * limit / 3));
        assertThat(d.fromMetadata()).isTrue();
        assertThat(d.init()).startsWith("GlorotUniform (fan_in=576, fan_out=576");
    }

    @Test
    void heNormalIsTruncatedAtTwoSigmaWithKerasScale() {
        WeightInfo w = new WeightInfo("conv/kernel", "m/conv", new long[] {3, 3, 32, 64});
        WeightRandomiser.Drawn d =
                WeightRandomiser.draw(w, new float[w.size()], json("{\"class_name\":\"HeNormal\",\"config\":{}}"), 2);
        double std = Math.sqrt(2.0 / 288) / 0.87962566103423978;
        for (float v : d.values()) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo((float) (2 * std));
        }
        // Keras' correction makes the truncated distribution's variance 2 / fan_in
        assertThat(meanVar(d.values())[1]).isCloseTo(2.0 / 288, within(0.05 * 2.0 / 288));
    }

    @Test
    void withoutMetadataTheTrainedStatisticsAreUsed() {
        WeightInfo w = new WeightInfo("dense/kernel", "m/dense", new long[] {100, 50});
        float[] trained = new float[w.size()];
        for (int i = 0; i < trained.length; i++) {
            trained[i] = 0.3f + 0.1f * (float) Math.sin(i);
        }
        double[] t = meanVar(trained);
        WeightRandomiser.Drawn d = WeightRandomiser.draw(w, trained, null, 3);
        double[] mv = meanVar(d.values());
        assertThat(mv[0]).isCloseTo(t[0], within(4 * Math.sqrt(t[1] / trained.length)));
        assertThat(mv[1]).isCloseTo(t[1], within(0.05 * t[1]));
        assertThat(d.fromMetadata()).isFalse();
        assertThat(d.init()).contains("Normal(mean=0.3").contains("no initializer in the metadata");
        // an initializer class Keras does not ship falls back too, and says so
        assertThat(WeightRandomiser.draw(w, trained, json("{\"class_name\":\"Mine\",\"config\":{}}"), 3)
                        .init())
                .contains("initializer Mine not supported");
    }

    @Test
    void sameSeedAndNameSameValues() {
        WeightInfo w = new WeightInfo("a/kernel", "m/a", new long[] {10});
        JsonNode init = json("{\"class_name\":\"RandomNormal\",\"config\":{\"mean\":0,\"stddev\":1}}");
        float[] a = WeightRandomiser.draw(w, new float[10], init, 7).values();
        assertThat(WeightRandomiser.draw(w, new float[10], init, 7).values()).isEqualTo(a);
        assertThat(WeightRandomiser.draw(w, new float[10], init, 8).values()).isNotEqualTo(a);
        WeightInfo other = new WeightInfo("b/kernel", "m/b", new long[] {10});
        assertThat(WeightRandomiser.draw(other, new float[10], init, 7).values())
                .isNotEqualTo(a);
    }

    @Test
    void kerasMetadataOfTheShippedModelsAndAKeras3ExportWithout() {
        KerasInitializers idc = KerasInitializers.read(Path.of("models/idc-demo/saved_model"));
        assertThat(idc.initializer("conv1/kernel").path("class_name").asString())
                .isEqualTo("GlorotUniform");
        assertThat(idc.initializer("conv1_bn/moving_variance")
                        .path("class_name")
                        .asString())
                .isEqualTo("Ones");
        assertThat(idc.initializer("nope/kernel")).isNull();
        // a Keras 3 export has no Keras metadata: every weight falls back to its statistics
        var model = TestModels.arch("plain/keras3");
        KerasInitializers k3 = KerasInitializers.read(model.descriptor().savedModel());
        ModelGraph copy = model.graph().randomisable();
        List<WeightInfo> weights = copy.weights();
        assertThat(weights).isNotEmpty();
        Map<String, float[]> trained = copy.weightValues();
        for (WeightInfo w : weights) {
            assertThat(k3.initializer(w.variable())).as(w.variable()).isNull();
            assertThat(trained.get(w.variable())).hasSize(w.size());
        }
    }
}
