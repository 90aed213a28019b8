package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.config.RequestLimits;
import io.salience.inference.DecodePool;
import io.salience.inference.InferencePool;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelRunner;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Method lookup and parameter checks, which happen before any model or image is touched. */
class SaliencyServiceTest {

    private final ModelRegistry registry = mock(ModelRegistry.class);
    private final SaliencyService service = new SaliencyService(
            List.of(new GradientMethod(), new GradCamPlusPlusMethod(), new IntegratedGradientsMethod()),
            registry,
            mock(DecodePool.class),
            mock(ModelRunner.class),
            new SimpleMeterRegistry(),
            mock(RequestLimits.class),
            mock(InferencePool.class));

    private InvalidParameterException rejected(Map<String, String> params, byte[] baseline) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                () -> service.explain("m", SaliencyQuery.of(params), new byte[1], baseline));
        assertThat(t).isInstanceOf(InvalidParameterException.class);
        verifyNoInteractions(registry);
        return (InvalidParameterException) t;
    }

    @Test
    void gradCamPlusPlusHasAnAliasAndAPlusSentAsASpaceIsExplained() {
        assertThat(service.method("grad-cam-plus-plus").name()).isEqualTo("grad-cam++");
        assertThat(service.method("grad-cam++").name()).isEqualTo("grad-cam++");
        assertThatThrownBy(() -> service.method("grad-cam  "))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("%2B")
                .hasMessageContaining("grad-cam-plus-plus");
    }

    @Test
    void anUnknownParameterListsOnlyWhatTheMethodTakes() {
        InvalidParameterException e = rejected(Map.of("method", "gradient", "stepz", "3"), null);
        assertThat(e.parameter()).isEqualTo("stepz");
        assertThat(e.getMessage()).contains("render").doesNotContain("layer").doesNotContain("steps");
        e = rejected(Map.of("method", "grad-cam++", "stepz", "3"), null);
        assertThat(e.getMessage()).contains("layer");
        e = rejected(Map.of("method", "integrated-gradients", "stepz", "3"), null);
        assertThat(e.getMessage()).contains("steps").contains("riemann").doesNotContain("layer");
    }

    @Test
    void aLayerForAMethodWithoutOneIsRefused() {
        assertThat(rejected(Map.of("method", "gradient", "layer", "conv"), null).parameter())
                .isEqualTo("layer");
    }

    @Test
    void methodParametersAreCheckedBeforeAnyWork() {
        assertThat(rejected(Map.of("method", "integrated-gradients", "steps", "0"), null)
                        .getMessage())
                .isEqualTo("steps must be between 1 and 1024, got 0");
        assertThat(rejected(Map.of("method", "integrated-gradients", "riemann", "simpson"), null)
                        .getMessage())
                .isEqualTo("riemann must be one of left, right, middle, trapezoid, got 'simpson'");
    }

    @Test
    void aSeedBeyondThe32BitRangeIsValidAndOneBeyond64BitsIsA400() {
        // found by Schemathesis: validation narrowed every integer to 32 bits, so such a seed was a 500
        Params p = new Params(Map.of("seed", "-87178291200"));
        assertThat(p.validate(List.of(IntegratedGradientsMethod.SEED))).containsEntry("seed", "-87178291200");
        assertThat(p.longValue(IntegratedGradientsMethod.SEED)).isEqualTo(-87_178_291_200L);
        assertThatThrownBy(() -> new Params(Map.of("seed", "9223372036854775808"))
                        .validate(List.of(IntegratedGradientsMethod.SEED)))
                .isInstanceOf(InvalidParameterException.class);
    }

    @Test
    void aBaselineImageIsOnlyForIntegratedGradients() {
        assertThat(rejected(Map.of("method", "gradient"), new byte[1]).parameter())
                .isEqualTo("baselineImage");
    }
}
