package io.salience.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.salience.attribution.ParamSpec;
import io.salience.attribution.Params;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.SaliencyQuery;
import io.salience.attribution.SaliencyResult;
import io.salience.attribution.SaliencyResults;
import io.salience.imaging.ColorMap;
import io.salience.imaging.NormalizedSaliency;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;

/** Response bodies of the saliency endpoints. */
final class SaliencyViews {

    private SaliencyViews() {}

    /** One method as listed by {@code GET /v1/methods}. */
    record MethodInfo(
            String name,
            String description,
            @JsonProperty("default") @Schema(description = "Whether this method is used when none is named")
                    boolean isDefault,
            boolean usesLayer,
            @Schema(description = "The method's own parameters") List<ParamSpec> parameters,
            @Schema(description = "The common parameters that apply to this method") List<ParamSpec> commonParameters) {
        static MethodInfo of(SaliencyMethod m, boolean isDefault, List<ParamSpec> common) {
            return new MethodInfo(m.name(), m.description(), isDefault, m.usesLayer(), m.parameters(), common);
        }
    }

    /** One colour map of {@code GET /v1/colormaps}. */
    record ColorMapInfo(
            String name,
            @JsonProperty("default") @Schema(description = "Whether the PNG uses it when none is named")
                    boolean isDefault,
            @Schema(description = "Readable with the common colour-vision deficiencies") boolean colorBlindSafe,
            @Schema(description = "The 256 entries as #rrggbb, for values 0..1") List<String> colors) {
        static ColorMapInfo of(ColorMap m) {
            List<String> colors = new java.util.ArrayList<>(ColorMap.SIZE);
            for (int i = 0; i < ColorMap.SIZE; i++) {
                colors.add(String.format(java.util.Locale.ROOT, "#%06x", m.rgb(i)));
            }
            return new ColorMapInfo(
                    Params.spell(m),
                    Params.spell(m).equals(SaliencyQuery.COLORMAP.defaultValue()),
                    m.colorBlindSafe(),
                    colors);
        }
    }

    /** The explained target. */
    record TargetView(
            @Schema(description = "The explained class") int index,
            @Schema(description = "Its label, or A-vs-B") String label,
            @Schema(
                            description = "The class subtracted (A-vs-B); null otherwise",
                            types = {"integer", "null"})
                    Integer contrastIndex,
            @Schema(description = "The target logit (or logit difference) at the input") float score,
            @Schema(description = "The probability of class index") float probability) {
        static TargetView of(SaliencyResult.ExplainedTarget t) {
            return new TargetView(t.index(), t.label(), t.contrastIndex(), t.score(), t.probability());
        }
    }

    /** The JSON body of a saliency response. */
    record SaliencyResponse(
            @Schema(description = "A random UUID naming this explanation (also in the audit log)") String explanationId,
            String model,
            String version,
            @Schema(
                            description = "The model's SHA-256: over saved_model.pb and the variables files (README,"
                                    + " Model integrity)")
                    String modelSha256,
            @Schema(description = "SHA-256 of the uploaded image's bytes") String imageSha256,
            @Schema(
                            description = "SHA-256 of the uploaded baseline image's bytes; null without one",
                            types = {"string", "null"})
                    String baselineSha256,
            String method,
            @Schema(
                            description =
                                    "Every method parameter with the value used, defaults filled in, plus target and"
                                            + " (CAM methods) layer")
                    Map<String, String> parameters,
            TargetView target,
            @Schema(
                            description = "The explained layer (CAM methods); null otherwise",
                            types = {"string", "null"})
                    String layer,
            @Schema(description = "[h, w] of map") List<Integer> shape,
            @Schema(description = "[h, w, c] of the raw map (NPY)") List<Integer> rawShape,
            @Schema(description = "Smallest value of the raw map") double min,
            @Schema(description = "Largest value of the raw map") double max,
            Map<String, Object> normalization,
            @Schema(description = "The normalised map in [0, 1], row-major") float[] map,
            @Schema(
                            description = "Method-specific facts. Integrated gradients: completenessGap ="
                                    + " |sum of attributions - (F(x) - F(x'))| / |F(x) - F(x')| with F the target"
                                    + " logit and x' the baseline, attributionSum, scoreDifference, baselineScore."
                                    + " SmoothGrad: base, noiseStd, aggregation.")
                    Map<String, Object> extras,
            @Schema(description = "Milliseconds per stage: decode, preprocess, compute, normalize")
                    Map<String, Double> timings) {

        static SaliencyResponse of(SaliencyResult r) {
            NormalizedSaliency n = r.normalized();
            var m = r.map();
            return new SaliencyResponse(
                    r.provenance().explanationId(),
                    r.model(),
                    r.version(),
                    r.provenance().modelSha256(),
                    r.provenance().imageSha256(),
                    r.provenance().baselineSha256(),
                    r.method(),
                    r.parameters(),
                    TargetView.of(r.target()),
                    r.layer(),
                    List.of(n.height(), n.width()),
                    List.of(m.height(), m.width(), m.channels()),
                    n.rawMin(),
                    n.rawMax(),
                    Map.of(
                            "reduce", Params.spell(n.options().reduce()),
                            "clipPercentile", n.options().clipPercentile(),
                            "clipValue", n.clipValue(),
                            "range", List.of(0, 1)),
                    n.values(),
                    m.extras(),
                    r.timings());
        }
    }

    @Schema(
            name = "SeveralMapsResponse",
            description = "methods=a,b,c: one map per method for one target, each as the single-method JSON")
    record SeveralResponse(
            String model,
            String version,
            @Schema(description = "The model's SHA-256 (README, Model integrity)") String modelSha256,
            @Schema(description = "SHA-256 of the uploaded image's bytes") String imageSha256,
            @Schema(
                            description = "SHA-256 of the uploaded baseline image's bytes; null without one",
                            types = {"string", "null"})
                    String baselineSha256,
            @Schema(description = "The methods, in the order named") List<String> methods,
            TargetView target,
            @Schema(description = "One map per method, in the order named") List<SaliencyResponse> maps,
            @Schema(
                            description = "Milliseconds of the whole request: decode, preprocess, shared (the session"
                                    + " run the gradient and CAM methods share) and total")
                    Map<String, Double> timings) {

        static SeveralResponse of(SaliencyResults r) {
            SaliencyResult first = r.maps().get(0);
            return new SeveralResponse(
                    first.model(),
                    first.version(),
                    first.provenance().modelSha256(),
                    first.provenance().imageSha256(),
                    first.provenance().baselineSha256(),
                    r.maps().stream().map(SaliencyResult::method).toList(),
                    TargetView.of(first.target()),
                    r.maps().stream().map(SaliencyResponse::of).toList(),
                    r.timings());
        }
    }
}
