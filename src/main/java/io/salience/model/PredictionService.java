package io.salience.model;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.salience.config.RequestLimits;
import io.salience.imaging.DecodedImage;
import io.salience.inference.DecodePool;
import io.salience.inference.InferencePool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.springframework.stereotype.Service;

/** Decodes images, preprocesses them as the model's descriptor says, and predicts through the pool. */
@Service
public class PredictionService {

    private final ModelRegistry registry;
    private final ModelRunner runner;
    private final DecodePool decoder;
    private final MeterRegistry meters;
    private final RequestLimits limits;
    private final InferencePool pool;

    public PredictionService(
            ModelRegistry registry,
            ModelRunner runner,
            DecodePool decoder,
            MeterRegistry meters,
            RequestLimits limits,
            InferencePool pool) {
        this.registry = registry;
        this.runner = runner;
        this.decoder = decoder;
        this.meters = meters;
        this.limits = limits;
        this.pool = pool;
    }

    /**
     * One class's probability.
     *
     * @param label the class label
     * @param index the class index
     * @param probability its probability
     */
    public record ClassProbability(String label, int index, float probability) {}

    /**
     * The predictions of one request.
     *
     * @param model the model
     * @param classes per image, its probabilities sorted descending
     */
    public record Predictions(LoadedModel model, List<List<ClassProbability>> classes) {}

    /** Class probabilities of each image, sorted descending, at most {@code topK} each. */
    public Predictions predict(String modelName, List<byte[]> images, int topK, Duration deadline) {
        LoadedModel model = registry.ready(modelName);
        pool.limitRequest(deadline, limits.maxRows(model.descriptor()));
        long maxPixels = limits.maxPixels(model.descriptor());
        List<float[]> inputs = new ArrayList<>(images.size());
        for (byte[] b : images) {
            DecodedImage img = decoder.decode(b, maxPixels);
            inputs.add(model.descriptor().tensor(img.image()));
        }
        Timer.Sample sample = Timer.start(meters);
        List<ModelRunner.Prediction> results = runner.predict(model, inputs, deadline);
        sample.stop(Timer.builder("salience.predictions")
                .description("Prediction requests, decode and preprocessing excluded")
                .tag("model", modelName)
                .publishPercentileHistogram()
                .register(meters));
        List<List<ClassProbability>> out = new ArrayList<>();
        for (ModelRunner.Prediction r : results) {
            out.add(ranked(model, model.probabilities(r.logits(), r.output(), 0), topK));
        }
        return new Predictions(model, out);
    }

    /** Probabilities sorted descending, at most {@code topK}. */
    public static List<ClassProbability> ranked(LoadedModel model, float[] p, int topK) {
        List<ClassProbability> list = new ArrayList<>();
        for (int c = 0; c < p.length; c++) {
            list.add(new ClassProbability(model.descriptor().labels().get(c), c, p[c]));
        }
        list.sort(Comparator.comparingDouble(ClassProbability::probability).reversed());
        return List.copyOf(list.subList(0, Math.min(topK, list.size())));
    }
}
