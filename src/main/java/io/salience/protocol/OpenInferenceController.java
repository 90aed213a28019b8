package io.salience.protocol;

import io.salience.audit.Audit;
import io.salience.model.ModelDigest;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Open Inference Protocol's HTTP routes (KServe v2, Triton): health, server and model metadata, model readiness
 * and infer. Saliency is asked for on infer, with the request parameter {@code method} (see
 * {@link OpenInferenceService}). Errors are {@code {"error": "..."}} ({@link ProtocolAdvice}).
 */
@RestController
@RequestMapping("/v2")
@Hidden
public class OpenInferenceController {

    private final OpenInferenceService v2;
    private final ProtocolService service;

    public OpenInferenceController(OpenInferenceService v2, ProtocolService service) {
        this.v2 = v2;
        this.service = service;
    }

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> server() {
        return v2.serverMetadata();
    }

    @GetMapping(path = "/health/live", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Boolean>> live() {
        return status("live", service.live());
    }

    @GetMapping(path = "/health/ready", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Boolean>> ready() {
        return status("ready", service.ready());
    }

    @GetMapping(
            path = {"/models/{model}", "/models/{model}/versions/{version}"},
            produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> metadata(
            @PathVariable("model") String model, @PathVariable(name = "version", required = false) String version) {
        return v2.modelMetadata(model, version);
    }

    @GetMapping(
            path = {"/models/{model}/ready", "/models/{model}/versions/{version}/ready"},
            produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Boolean>> modelReady(
            @PathVariable("model") String model, @PathVariable(name = "version", required = false) String version) {
        return status("ready", v2.modelReady(model, version));
    }

    @PostMapping(path = {"/models/{model}/infer", "/models/{model}/versions/{version}/infer"})
    public ResponseEntity<byte[]> infer(
            @PathVariable("model") String model,
            @PathVariable(name = "version", required = false) String version,
            @RequestHeader(name = OpenInferenceCodec.HEADER_LENGTH, required = false) Integer headerLength,
            @RequestBody(required = false) byte[] body) {
        Audit.current().model(model).operation("infer").input(ModelDigest.sha256Hex(body == null ? new byte[0] : body));
        OpenInferenceCodec.Encoded out = v2.infer(model, version, body, headerLength);
        if (out.headerLength() == null) {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(out.body());
        }
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .header(OpenInferenceCodec.HEADER_LENGTH, Integer.toString(out.headerLength()))
                .body(out.body());
    }

    /** Any other path under {@code /v2}: the protocol's 404, not the native problem+json. */
    @RequestMapping("/**")
    public ResponseEntity<Map<String, String>> unknown(HttpServletRequest request) {
        throw new ProtocolException(
                404, "no route " + request.getMethod() + " " + request.getRequestURI() + " in the v2 protocol");
    }

    /**
     * Health answers of the protocol: the status says it (200 true, 400 false, as any 4xx means false), and the body
     * {@code {"live"|"ready": bool}} says it too, for the KServe SDK, which reads the body.
     */
    private static ResponseEntity<Map<String, Boolean>> status(String key, boolean ok) {
        return ResponseEntity.status(ok ? HttpStatus.OK : HttpStatus.BAD_REQUEST)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of(key, ok));
    }
}
