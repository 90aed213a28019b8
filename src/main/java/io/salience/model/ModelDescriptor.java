package io.salience.model;

import io.salience.imaging.PreparedImage;
import io.salience.imaging.PreprocessSpec;
import io.salience.imaging.Preprocessor;
import io.salience.imaging.ResizePrecision;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * A model's descriptor ({@code model.yaml}): where its SavedModel is, which signature to serve, how an image
 * becomes its input tensor and what its output means.
 *
 * @param name unique model name, used in URLs ({@code [a-z0-9][a-z0-9._-]*})
 * @param version free-form version string
 * @param description one line for humans, may be empty
 * @param savedModel the SavedModel folder
 * @param signature the signature key, default {@code serving_default}
 * @param input the preprocessing pipeline
 * @param precision arithmetic of colour conversion and resizing: {@code float} (default) or {@code uint8}, for
 *     models trained on 8-bit resized images (cv2.resize / PIL on uint8)
 * @param output the output kind
 * @param labels class labels, in output order (two for a single sigmoid unit)
 * @param source the descriptor file
 * @param sha256 the pinned {@link ModelDigest} of the SavedModel (64 hex digits), or null when not pinned: a model
 *     whose digest differs is refused
 * @param limits the model's own request limits ({@code limits:}; 0 = the global default)
 */
public record ModelDescriptor(
        String name,
        String version,
        String description,
        Path savedModel,
        String signature,
        PreprocessSpec input,
        ResizePrecision precision,
        OutputKind output,
        List<String> labels,
        Path source,
        String sha256,
        ModelLimits limits) {

    public ModelDescriptor {
        labels = List.copyOf(labels);
        limits = limits == null ? ModelLimits.DEFAULTS : limits;
    }

    /** The model input tensor and the resized picture of an image, preprocessed as this descriptor says. */
    public PreparedImage prepare(BufferedImage image) {
        return Preprocessor.prepare(image, input, precision);
    }

    /** The model input tensor of an image, preprocessed as this descriptor says. */
    public float[] tensor(BufferedImage image) {
        return Preprocessor.apply(image, input, precision);
    }
}
