package io.salience.sanity;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.attribution.GradCamMethod;
import io.salience.attribution.GradientMethod;
import io.salience.attribution.GuidedBackpropMethod;
import io.salience.attribution.Progress;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.SaliencyService;
import io.salience.imaging.ImageDecoder;
import io.salience.imaging.PreparedImage;
import io.salience.inference.InferencePool;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRunner;
import io.salience.testing.Inputs;
import io.salience.testing.PoolSettings;
import io.salience.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The known result of the model parameter randomisation test, measured on the shipped models and brain-MRI. */
@ExtendWith(TestModels.class)
class SanityCheckTest {

    static InferencePool pool;
    static SanityService sanity;
    static List<SaliencyMethod> methods;

    @BeforeAll
    static void start() {
        pool = new InferencePool(PoolSettings.defaults().build(), new SimpleMeterRegistry());
        ModelRunner runner = new ModelRunner(pool);
        methods = List.of(new GradientMethod(), new GradCamMethod(), new GuidedBackpropMethod());
        SaliencyService saliency =
                new SaliencyService(methods, null, new ImageDecoder(), runner, new SimpleMeterRegistry());
        sanity = new SanityService(saliency, null, new ImageDecoder(), runner);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    static SanityReport run(LoadedModel model, PreparedImage image, SanityQuery.Mode mode) {
        SanityQuery q = new SanityQuery(List.of(), mode, List.of(), 42, null, null);
        List<SanityService.WeightLayer> layers =
                SanityService.weightLayers(model.graph().randomisable());
        return sanity.check(model, methods, layers, q, image, Progress.NONE);
    }

    static void print(String name, SanityReport r) {
        System.out.println("== " + name + " " + r.mode() + " target " + r.target());
        for (SanityReport.Step s : r.steps()) {
            StringBuilder b = new StringBuilder(
                    String.format(Locale.ROOT, "%2d %-12s p=%.3f", s.step(), s.layer(), s.probability()));
            s.similarities()
                    .forEach((m, v) -> b.append(String.format(
                            Locale.ROOT, " | %s %s %s %s %s", m, v.spearmanAbs(), v.spearman(), v.ssim(), v.hog())));
            System.out.println(b);
            s.weights().forEach(w -> System.out.println("      " + w.variable() + " " + w.shape() + " " + w.init()));
        }
    }

    @Test
    void explore() {
        LoadedModel demo = TestModels.demo();
        print("idc-demo", run(demo, Inputs.synthetic(demo, 1), SanityQuery.Mode.CASCADING));
        LoadedModel planted = TestModels.planted();
        print(
                "planted",
                run(
                        planted,
                        Inputs.file(planted, Path.of("examples/planted-demo/red-6.png")),
                        SanityQuery.Mode.CASCADING));
        LoadedModel brain = TestModels.shared("brain-mri");
        print(
                "brain",
                run(
                        brain,
                        Inputs.file(brain, TestModels.sharedDir().resolve("fixtures/brain-mri/images/yes/y0.jpg")),
                        SanityQuery.Mode.CASCADING));
        assertThat(true).isTrue();
    }
}
