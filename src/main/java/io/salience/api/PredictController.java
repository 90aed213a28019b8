package io.salience.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.salience.attribution.InvalidParameterException;
import io.salience.audit.Audit;
import io.salience.audit.AuditRecord;
import io.salience.config.ApiProperties;
import io.salience.model.ModelDigest;
import io.salience.model.PredictionService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** Class probabilities ("probability landscape") of uploaded images. */
@RestController
@Tag(name = "predict", description = "Class probabilities")
public class PredictController {

    private final PredictionService predictions;
    private final ApiProperties props;

    public PredictController(PredictionService predictions, ApiProperties props) {
        this.predictions = predictions;
        this.props = props;
    }

    /** Per image, its probabilities sorted descending. */
    record Prediction(
            int image,
            @JsonInclude(JsonInclude.Include.NON_NULL)
                    @Schema(
                            description = "The part's file name, only with echoFilename=true (file names can hold"
                                    + " patient data)")
                    String filename,
            List<PredictionService.ClassProbability> classes) {}

    /** Response of predict. */
    record PredictResponse(String model, String version, List<Prediction> predictions) {}

    @PostMapping(
            path = "/v1/models/{model}/predict",
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            operationId = "predict",
            summary = "Class probabilities of one or more images, sorted descending",
            description = "Images: PNG, JPEG, BMP, GIF (first frame) or TIFF, at most salience.api.max-pixels each"
                    + " and salience.api.max-images per request. Each is preprocessed as the model's descriptor says.")
    public PredictResponse predict(
            @PathVariable("model") String model,
            @RequestPart("image") List<MultipartFile> images,
            @Parameter(
                            description = "Classes returned per image; default all, 1..1000",
                            schema = @Schema(type = "integer", minimum = "1", maximum = "1000"))
                    @RequestParam(name = "topK", required = false)
                    Integer topK,
            @Parameter(
                            description = "Deadline of the request in the inference pool, ms; default"
                                    + " salience.pool.default-deadline (30 s), 1..600000",
                            schema = @Schema(type = "integer", minimum = "1", maximum = "600000"))
                    @RequestParam(name = "timeoutMs", required = false)
                    Integer timeoutMs,
            @Parameter(
                            description = "Echo each part's file name in the response; default false (file names can"
                                    + " hold patient data)")
                    @RequestParam(name = "echoFilename", required = false, defaultValue = "false")
                    boolean echoFilename) {
        if (images.isEmpty()) {
            throw new InvalidParameterException("image", "at least one 'image' part is required");
        }
        if (images.size() > props.maxImages()) {
            throw new InvalidParameterException(
                    "image", "at most " + props.maxImages() + " images per request, got " + images.size());
        }
        if (topK != null && (topK < 1 || topK > 1000)) {
            throw new InvalidParameterException("topK", "topK must be between 1 and 1000, got " + topK);
        }
        List<byte[]> bytes = images.stream().map(Uploads::bytes).toList();
        AuditRecord audit = Audit.current().model(model).operation("predict");
        bytes.forEach(b -> audit.input(ModelDigest.sha256Hex(b)));
        var results = predictions.predict(model, bytes, topK == null ? Integer.MAX_VALUE : topK, deadline(timeoutMs));
        audit.model(
                        model,
                        results.model().descriptor().version(),
                        results.model().sha256())
                .parameters(topK == null ? Map.of() : Map.of("topK", Integer.toString(topK)));
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < results.classes().size(); i++) {
            out.add(new Prediction(
                    i,
                    echoFilename ? images.get(i).getOriginalFilename() : null,
                    results.classes().get(i)));
        }
        return new PredictResponse(model, results.model().descriptor().version(), out);
    }

    private static Duration deadline(Integer timeoutMs) {
        if (timeoutMs == null) {
            return null;
        }
        if (timeoutMs < 1 || timeoutMs > 600_000) {
            throw new InvalidParameterException(
                    "timeoutMs", "timeoutMs must be between 1 and 600000, got " + timeoutMs);
        }
        return Duration.ofMillis(timeoutMs);
    }
}
