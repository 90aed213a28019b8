package io.salience.protocol;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.salience.attribution.SaliencyQuery;
import io.salience.attribution.SaliencyResult;
import io.salience.attribution.SaliencyService;
import io.salience.config.ApiProperties;
import io.salience.config.RequestLimits;
import io.salience.inference.DecodePool;
import io.salience.inference.InferencePool;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelRunner;
import io.salience.model.ModelStatus;
import io.salience.model.ModelsHealthIndicator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Service;

/**
 * What the serving protocols (Open Inference Protocol v2, KServe v1) ask of Salience, independent of their wire
 * formats: health, model lookup, predictions of preprocessed tensors or images, and explanations. Predictions go
 * through the same {@link ModelRunner} (bounded pool, batching, deadlines) as the native routes, explanations through
 * the same {@link SaliencyService}, and the same request limits ({@code salience.api.*}) apply.
 */
@Service
public class ProtocolService {

    private final ModelRegistry registry;
    private final ModelRunner runner;
    private final DecodePool decoder;
    private final RequestLimits requestLimits;
    private final SaliencyService saliency;
    private final ApiProperties limits;
    private final ModelsHealthIndicator modelsHealth;
    private final InferencePool pool;
    private final ApplicationAvailability availability;
    private final MeterRegistry meters;

    public ProtocolService(
            ModelRegistry registry,
            ModelRunner runner,
            DecodePool decoder,
            RequestLimits requestLimits,
            SaliencyService saliency,
            ApiProperties limits,
            ModelsHealthIndicator modelsHealth,
            InferencePool pool,
            ApplicationAvailability availability,
            MeterRegistry meters) {
        this.registry = registry;
        this.runner = runner;
        this.decoder = decoder;
        this.requestLimits = requestLimits;
        this.saliency = saliency;
        this.limits = limits;
        this.modelsHealth = modelsHealth;
        this.pool = pool;
        this.availability = availability;
        this.meters = meters;
    }

    /**
     * One image's prediction.
     *
     * @param probabilities per class, in label order
     * @param logits per class pre-activation logits (a sigmoid unit {@code z} expanded to {@code [-z, z]})
     */
    public record Prediction(float[] probabilities, float[] logits) {}

    /** Whether the process is live (Spring's liveness state). */
    public boolean live() {
        return availability.getLivenessState() == LivenessState.CORRECT;
    }

    /** Whether the service takes traffic: the same conditions as {@code /actuator/health/readiness}. */
    public boolean ready() {
        return availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC
                && pool.isAcceptingWork()
                && Status.UP.equals(modelsHealth.health().getStatus());
    }

    /** The status of a configured model, empty when no such model is configured. */
    public Optional<ModelStatus> status(String model) {
        return registry.entry(model).map(ModelRegistry.Entry::status);
    }

    /** A model ready to serve; 404 or 503 as on the native routes. */
    public LoadedModel model(String model) {
        return registry.ready(model);
    }

    /** The most images one request may carry ({@code salience.api.max-images}). */
    public int maxImages() {
        return limits.maxImages();
    }

    /** The largest raw image, width x height ({@code salience.api.max-pixels}). */
    public long maxPixels() {
        return limits.maxPixels();
    }

    /**
     * Predicts each input through the pool.
     *
     * @param model the model
     * @param inputs the images, at most {@link #maxImages()}
     * @param deadline the pool deadline, or null for the default
     */
    public List<Prediction> predict(LoadedModel model, List<ModelInput> inputs, Duration deadline) {
        checkCount(inputs);
        List<float[]> tensors = new ArrayList<>(inputs.size());
        for (ModelInput in : inputs) {
            tensors.add(tensor(model, in));
        }
        Timer.Sample sample = Timer.start(meters);
        List<ModelRunner.Prediction> rows = runner.predict(model, tensors, deadline);
        sample.stop(Timer.builder("salience.predictions")
                .description("Prediction requests, decode and preprocessing excluded")
                .tag("model", model.descriptor().name())
                .publishPercentileHistogram()
                .register(meters));
        List<Prediction> out = new ArrayList<>(rows.size());
        for (ModelRunner.Prediction r : rows) {
            out.add(new Prediction(model.probabilities(r.logits(), r.output(), 0), model.classLogits(r.logits(), 0)));
        }
        return out;
    }

    /**
     * Explains each input with the saliency parameters, bound exactly as the native saliency route binds its query.
     * Explanations are mapped onto images, so the inputs must be images (encoded or raw pixels), not preprocessed
     * tensors.
     *
     * @param model the model name
     * @param inputs the images, at most {@link #maxImages()}
     * @param parameters {@code method}, {@code target}, {@code layer}, method parameters, ...
     */
    public List<SaliencyResult> explain(String model, List<ModelInput> inputs, Map<String, String> parameters) {
        checkCount(inputs);
        SaliencyQuery query = SaliencyQuery.of(parameters);
        registry.ready(model);
        List<SaliencyResult> out = new ArrayList<>(inputs.size());
        for (ModelInput in : inputs) {
            byte[] image;
            if (in instanceof ModelInput.Encoded e) {
                image = e.bytes();
            } else if (in instanceof ModelInput.Pixels p) {
                image = png(p.image());
            } else {
                throw ProtocolException.badRequest(
                        "an explanation needs images (UINT8 pixels or BYTES image files in v2, {\"b64\": ...}"
                                + " in v1), not preprocessed tensors: the map is drawn on the image");
            }
            out.add(saliency.explain(model, query, image, null));
        }
        return out;
    }

    private void checkCount(List<ModelInput> inputs) {
        if (inputs.isEmpty()) {
            throw ProtocolException.badRequest("the request carries no images");
        }
        if (inputs.size() > limits.maxImages()) {
            throw ProtocolException.badRequest("at most " + limits.maxImages() + " images per request, got "
                    + inputs.size() + " (salience.api.max-images)");
        }
    }

    private float[] tensor(LoadedModel model, ModelInput in) {
        if (in instanceof ModelInput.Preprocessed p) {
            if (p.values().length != model.inputLength()) {
                throw ProtocolException.badRequest("a preprocessed input has " + p.values().length
                        + " values; the model takes " + model.inputLength() + " (" + inputShape(model) + ")");
            }
            return p.values();
        } else if (in instanceof ModelInput.Encoded e) {
            return model.descriptor()
                    .tensor(decoder.decode(e.bytes(), requestLimits.maxPixels(model.descriptor()))
                            .image());
        }
        return model.descriptor().tensor(((ModelInput.Pixels) in).image());
    }

    /** The model's input shape {@code [H, W, C]}, for messages and metadata. */
    public static List<Integer> inputShape(LoadedModel model) {
        var in = model.descriptor().input();
        return List.of(in.height(), in.width(), in.channels());
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
