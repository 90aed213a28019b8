package io.salience.api;

import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The viewer page ({@code static/index.html} and its modules under {@code static/viewer/}) at {@code GET /} for
 * clients that ask for HTML, as browsers do. Every other {@code Accept} (none, {@code *}{@code /*}, JSON) still gets
 * the KServe v1 liveness answer of {@code io.salience.protocol.KServeV1Controller}: for {@code *}{@code /*} Spring
 * prefers {@code application/json}, the alphabetically first of two equally specific media types.
 */
@Hidden
@RestController
class ViewerController {

    private static final Resource PAGE = new ClassPathResource("static/index.html");

    @GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<Resource> page() {
        return ResponseEntity.ok()
                .contentType(new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8))
                .cacheControl(CacheControl.noCache())
                .body(PAGE);
    }
}
