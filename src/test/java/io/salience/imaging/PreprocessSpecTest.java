package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreprocessSpecTest {

    @Test
    void channelsFollowTheColourMode() {
        assertThat(ColorMode.RGB.channels()).isEqualTo(3);
        assertThat(ColorMode.BGR.channels()).isEqualTo(3);
        assertThat(ColorMode.GRAYSCALE.channels()).isEqualTo(1);
        PreprocessSpec spec = new PreprocessSpec(64, 32, ColorMode.BGR, ResizeMethod.BILINEAR, List.of());
        assertThat(spec.tensorLength()).isEqualTo(64 * 32 * 3);
    }

    @Test
    void perChannelValuesBroadcastFromOne() {
        new PreprocessSpec(
                8,
                8,
                ColorMode.RGB,
                ResizeMethod.AREA,
                List.of(new ValueStep.Mean(new double[] {127.5}), new ValueStep.Std(new double[] {1, 2, 3})));
        assertThatThrownBy(() -> new PreprocessSpec(
                        8, 8, ColorMode.GRAYSCALE, ResizeMethod.AREA, List.of(new ValueStep.Mean(new double[] {1, 2, 3
                        }))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step 1 has 3 per-channel values but GRAYSCALE has 1 channel(s)");
    }

    @Test
    void stepsValidateTheirValues() {
        assertThatThrownBy(() -> new ValueStep.Std(new double[] {1, 0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("std[1] must be greater than zero");
        assertThatThrownBy(() -> new ValueStep.Mean(new double[0])).hasMessageContaining("at least one value");
        assertThatThrownBy(() -> new ValueStep.Scale(Double.NaN)).hasMessageContaining("finite");
        assertThatThrownBy(() -> new ValueStep.L2Normalize(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void arraysAreCopiedAndCompareByContent() {
        double[] mean = {1, 2, 3};
        ValueStep.Mean step = new ValueStep.Mean(mean);
        mean[0] = 99;
        assertThat(step.perChannel()).containsExactly(1, 2, 3);
        step.perChannel()[1] = 99;
        assertThat(step.perChannel()).containsExactly(1, 2, 3);
        assertThat(step).isEqualTo(new ValueStep.Mean(new double[] {1, 2, 3}));
        assertThat(step.hashCode()).isEqualTo(new ValueStep.Mean(new double[] {1, 2, 3}).hashCode());
        assertThat(new ValueStep.Std(new double[] {2})).isNotEqualTo(new ValueStep.Std(new double[] {3}));
    }

    @Test
    void specValidatesItsFields() {
        assertThatThrownBy(() -> new PreprocessSpec(0, 8, ColorMode.RGB, ResizeMethod.AREA, List.of()))
                .hasMessageContaining("between 1 and");
        assertThatThrownBy(() -> new PreprocessSpec(8, 8, null, ResizeMethod.AREA, List.of()))
                .isInstanceOf(NullPointerException.class);
        List<ValueStep> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> new PreprocessSpec(8, 8, ColorMode.RGB, ResizeMethod.AREA, withNull))
                .hasMessageContaining("null");
        List<ValueStep> steps = new ArrayList<>(List.of(new ValueStep.Scale(2)));
        PreprocessSpec spec = new PreprocessSpec(8, 8, ColorMode.RGB, ResizeMethod.AREA, steps);
        steps.clear();
        assertThat(spec.steps()).hasSize(1);
    }
}
