package io.salience.protocol;

import io.salience.audit.Audit;
import io.salience.model.ModelDigest;
import io.swagger.v3.oas.annotations.Hidden;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * KServe v1 routes: {@code POST /v1/models/{model}:predict} and {@code :explain}. The verb is part of the last path
 * segment, so these patterns never match the native {@code /v1/models/{model}/...} routes, and the native
 * {@code GET /v1/models/{model}} is GET only. Errors are {@code {"error": "..."}} ({@link ProtocolAdvice}).
 */
@RestController
@Hidden
public class KServeV1Controller {

    private final KServeV1Service v1;
    private final ProtocolService service;

    public KServeV1Controller(KServeV1Service v1, ProtocolService service) {
        this.v1 = v1;
        this.service = service;
    }

    /** KServe v1 liveness, {@code GET /}: {@code {"status": "alive"}}. */
    @GetMapping(path = "/", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, String>> alive() {
        return ResponseEntity.status(service.live() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(Map.of("status", service.live() ? "alive" : "not live"));
    }

    @PostMapping(path = "/v1/models/{model}:predict", produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> predict(
            @PathVariable("model") String model, @RequestBody(required = false) byte[] body) {
        Audit.current()
                .model(model)
                .operation("predict")
                .input(ModelDigest.sha256Hex(body == null ? new byte[0] : body));
        return v1.predict(model, body);
    }

    @PostMapping(path = "/v1/models/{model}:explain", produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> explain(
            @PathVariable("model") String model, @RequestBody(required = false) byte[] body) {
        Audit.current()
                .model(model)
                .operation("explain")
                .input(ModelDigest.sha256Hex(body == null ? new byte[0] : body));
        return v1.explain(model, body);
    }
}
