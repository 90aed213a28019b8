package io.salience.attribution;

import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.config.RequestLimits;
import io.salience.inference.DecodePool;
import io.salience.inference.InferencePool;
import io.salience.model.ModelNotFoundException;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelRunner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes request validation: any query (names from the real parameter set and random ones, random values) bound by
 * {@link SaliencyQuery#of} and checked by {@link SaliencyService#explain} up to the model lookup. The only allowed
 * outcomes are a 400 ({@link InvalidParameterException}) or reaching the model registry; anything else would be a
 * 500. {@code ./mvnw verify} replays the committed inputs; {@code ./mvnw -Pfuzz test} fuzzes.
 */
@Tag("fuzz")
class RequestValidationFuzzTest {

    private static final List<String> NAMES = List.of(
            "method",
            "target",
            "layer",
            "render",
            "colormap",
            "alpha",
            "size",
            "reduce",
            "clip",
            "timeoutMs",
            "steps",
            "baseline",
            "riemann",
            "seed",
            "samples",
            "noise",
            "aggregation",
            "base",
            "channels",
            "maxSigma",
            "gradStep",
            "spacing",
            "minPixelDiff",
            "segments",
            "segmenter",
            "kernelWidth",
            "hide",
            "topK",
            "window",
            "stride",
            "fill",
            "masks",
            "cells",
            "p");
    private static final List<String> METHODS = List.of(
            "gradient",
            "integrated-gradients",
            "smoothgrad",
            "vargrad",
            "grad-cam",
            "grad-cam++",
            "grad-cam-plus-plus",
            "lime",
            "occlusion",
            "rise",
            "xrai",
            "blur-ig",
            "score-cam",
            "eigen-cam");

    private static final SaliencyService SERVICE = service();

    private static SaliencyService service() {
        List<InputAttribution> bases = List.of(
                new GradientMethod(),
                new GradientTimesInputMethod(),
                new GuidedBackpropMethod(),
                new DeconvNetMethod(),
                new IntegratedGradientsMethod(),
                new BlurIntegratedGradientsMethod());
        List<SaliencyMethod> methods = new ArrayList<>(bases);
        GradCamMethod gradCam = new GradCamMethod();
        methods.addAll(List.of(
                new SmoothGradMethod(bases),
                new VarGradMethod(bases),
                gradCam,
                new GradCamPlusPlusMethod(),
                new GuidedGradCamMethod(gradCam, new GuidedBackpropMethod()),
                new LayerCamMethod(),
                new XGradCamMethod(),
                new HiResCamMethod(),
                new EigenCamMethod(),
                new ScoreCamMethod(),
                new AblationCamMethod(),
                new XraiMethod(),
                new LimeMethod(),
                new OcclusionMethod(),
                new RiseMethod()));
        ModelRegistry registry = mock(ModelRegistry.class);
        when(registry.ready("m")).thenThrow(new ModelNotFoundException("m"));
        return new SaliencyService(
                methods,
                registry,
                mock(DecodePool.class),
                mock(ModelRunner.class),
                new SimpleMeterRegistry(),
                mock(RequestLimits.class),
                mock(InferencePool.class));
    }

    @FuzzTest(maxDuration = "2m")
    void anyQueryIsAcceptedOrRefusedWith400(FuzzedDataProvider data) {
        Map<String, String> raw = new LinkedHashMap<>();
        if (data.consumeBoolean()) {
            raw.put("method", data.pickValue(METHODS));
        }
        int n = data.consumeInt(0, 8);
        for (int i = 0; i < n; i++) {
            String name = data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(12);
            String value =
                    switch (data.consumeInt(0, 3)) {
                        case 0 -> Long.toString(data.consumeLong());
                        case 1 -> Double.toString(data.consumeDouble());
                        default -> data.consumeString(24);
                    };
            raw.put(name, value);
        }
        byte[] baseline = data.consumeBoolean() ? new byte[1] : null;
        try {
            SERVICE.explain("m", SaliencyQuery.of(raw), new byte[1], baseline);
        } catch (InvalidParameterException | ModelNotFoundException expected) {
            // 400, or validation passed and the (mocked) registry was asked for the model
        }
    }
}
