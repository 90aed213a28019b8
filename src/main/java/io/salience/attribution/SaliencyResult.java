package io.salience.attribution;

import io.salience.imaging.NormalizedSaliency;
import io.salience.imaging.RenderOptions;
import java.awt.image.BufferedImage;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A finished explanation, ready for any response format: the raw and the normalised map (normalised once), what was
 * explained, the parameters actually used, and the timings.
 *
 * @param model the model name
 * @param version the model version
 * @param method the method name
 * @param parameters every parameter of the method with the value used (defaults filled in), plus {@code target}
 *     and, for the CAM family, {@code layer}
 * @param target what was explained
 * @param layer the explained layer of the CAM family, else null
 * @param map the raw map
 * @param normalized the map normalised as the request asked
 * @param rendering how a PNG is drawn
 * @param original the uploaded picture
 * @param resized the picture at the model's input size
 * @param timings milliseconds per stage
 * @param provenance what makes the explanation reproducible: its id and the hashes of the model and the inputs
 */
public record SaliencyResult(
        String model,
        String version,
        String method,
        Map<String, String> parameters,
        ExplainedTarget target,
        String layer,
        SaliencyMap map,
        NormalizedSaliency normalized,
        RenderOptions rendering,
        BufferedImage original,
        BufferedImage resized,
        Map<String, Double> timings,
        Provenance provenance) {

    public SaliencyResult {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        timings = Collections.unmodifiableMap(new LinkedHashMap<>(timings));
    }

    /**
     * The reproducibility record of an explanation: with the parameters used (seed included for the stochastic
     * methods), the same model and the same inputs give the same map.
     *
     * @param explanationId a random UUID naming this explanation (also in the audit log)
     * @param modelSha256 the model's {@link io.salience.model.ModelDigest}
     * @param imageSha256 SHA-256 of the uploaded image's bytes
     * @param baselineSha256 SHA-256 of the uploaded baseline image's bytes, or null
     */
    public record Provenance(String explanationId, String modelSha256, String imageSha256, String baselineSha256) {}

    /**
     * The explained target.
     *
     * @param index the class
     * @param label its API spelling (or {@code A-vs-B})
     * @param contrastIndex the class subtracted, or null
     * @param score the target logit (or logit difference) at the input
     * @param probability the probability of class {@code index}
     */
    public record ExplainedTarget(int index, String label, Integer contrastIndex, float score, float probability) {}
}
