package io.salience.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.attribution.AttributionContext;
import io.salience.attribution.DeconvNetMethod;
import io.salience.attribution.GradCamMethod;
import io.salience.attribution.GradCamPlusPlusMethod;
import io.salience.attribution.GradientMethod;
import io.salience.attribution.GradientTimesInputMethod;
import io.salience.attribution.GuidedBackpropMethod;
import io.salience.attribution.GuidedGradCamMethod;
import io.salience.attribution.InputAttribution;
import io.salience.attribution.IntegratedGradientsMethod;
import io.salience.attribution.LayerCamMethod;
import io.salience.attribution.PooledContexts;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.SmoothGradMethod;
import io.salience.imaging.PreparedImage;
import io.salience.inference.InferencePool;
import io.salience.inference.PoolProperties;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRunner;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cost of each method as a ratio to a plain prediction of the same batch, measured in the same run. The prediction
 * is one session run of the whole batch; a method at batch N is N concurrent requests of one image each through a
 * real {@link InferencePool} (batch window 0), which merges their rows as it does in production. No HTTP. Prints {@code ratio MODEL METHOD BATCH VALUE}. Not part of {@code verify}:
 * run {@code ./mvnw -Pbench test}.
 */
@Tag("bench")
@ExtendWith(TestModels.class)
class AttributionBenchmarkTest {

    private static final int REPEATS = 20;

    @Test
    void ratios() {
        run(TestModels.demo());
        run(TestModels.load(Path.of("src/test/resources/fixtures/bench224/model.yaml")));
        if (Files.isDirectory(TestModels.sharedDir().resolve("fixtures/braintumornet/model"))) {
            run(TestModels.shared("braintumornet"));
        }
    }

    private static void run(LoadedModel model) {
        GradCamMethod gradCam = new GradCamMethod();
        GuidedBackpropMethod guided = new GuidedBackpropMethod();
        List<InputAttribution> bases =
                List.of(new GradientMethod(), new GradientTimesInputMethod(), guided, new DeconvNetMethod());
        List<SaliencyMethod> methods = List.of(
                new GradientMethod(),
                new GradientTimesInputMethod(),
                guided,
                new DeconvNetMethod(),
                gradCam,
                new GradCamPlusPlusMethod(),
                new LayerCamMethod(),
                new GuidedGradCamMethod(gradCam, guided),
                new IntegratedGradientsMethod(),
                new SmoothGradMethod(bases));
        String name = model.descriptor().name();
        // batch window 0: the ratio measures compute, not the window; requests already waiting are still merged
        PoolProperties props = PoolProperties.defaults().withBatchWindow(Duration.ZERO);
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try (InferencePool pool = new InferencePool(props, new SimpleMeterRegistry())) {
            ModelRunner runner = new ModelRunner(pool);
            for (int batch : new int[] {1, 16}) {
                List<float[]> inputs = new ArrayList<>();
                List<AttributionContext> contexts = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    PreparedImage img = Inputs.synthetic(model, 1000L * batch + i);
                    inputs.add(img.tensor());
                    contexts.add(PooledContexts.context(runner, model, img, Map.of("samples", "25")));
                }
                double predict = time(() -> model.predictRows(inputs));
                System.out.printf("predict %s %d %.3f ms%n", name, batch, predict);
                for (SaliencyMethod m : methods) {
                    // one request per image, all at once, through the pool (which merges their rows), as in
                    // production under concurrent load
                    Runnable r = () -> all(
                            clients,
                            contexts.stream()
                                    .map(c -> (Callable<Object>) () -> m.compute(c))
                                    .toList());
                    System.out.printf("ratio %s %s %d %.2f%n", name, m.name(), batch, time(r) / predict);
                }
            }
        } finally {
            clients.shutdownNow();
        }
    }

    private static void all(ExecutorService clients, List<Callable<Object>> calls) {
        try {
            for (Future<Object> f : clients.invokeAll(calls)) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Median over 7 rounds of the mean time per call, each round at least 200 ms (milliseconds). */
    private static double time(Runnable r) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        double[] rounds = new double[7];
        for (int k = 0; k < rounds.length; k++) {
            int calls = 0;
            long t0 = System.nanoTime();
            long elapsed;
            do {
                r.run();
                calls++;
                elapsed = System.nanoTime() - t0;
            } while (calls < REPEATS && elapsed < 200_000_000L || calls < 3);
            rounds[k] = elapsed / 1e6 / calls;
        }
        java.util.Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }
}
