package io.salience.api;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors that never reach a controller (Tomcat refusing TRACE, a failed forward) are answered with the same problem
 * types as {@link ProblemAdvice}, instead of Spring Boot's default error JSON.
 */
@Hidden
@RestController
class ErrorProblemController implements ErrorController {

    @RequestMapping("/error")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        // asked for directly, /error is no resource
        HttpStatus status = HttpStatus.resolve(code instanceof Integer i ? i : 404);
        if (status == null || !status.isError()) {
            status = HttpStatus.INTERNAL_SERVER_ERROR;
        }
        ProblemDetail p = ProblemDetail.forStatusAndDetail(
                status,
                status.is5xxServerError()
                        ? "An internal error occurred"
                        : "The request was refused: " + status.getReasonPhrase());
        p.setType(type(status));
        p.setTitle(status.getReasonPhrase());
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        if (uri != null) {
            p.setInstance(URI.create(String.valueOf(uri)));
        }
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(p);
    }

    private static URI type(HttpStatus status) {
        return switch (status) {
            case NOT_FOUND -> Problems.NOT_FOUND;
            case METHOD_NOT_ALLOWED -> Problems.METHOD_NOT_ALLOWED;
            case NOT_ACCEPTABLE -> Problems.NOT_ACCEPTABLE;
            case CONTENT_TOO_LARGE -> Problems.TOO_LARGE;
            case UNSUPPORTED_MEDIA_TYPE -> Problems.UNSUPPORTED_MEDIA_TYPE;
            case SERVICE_UNAVAILABLE -> Problems.OVERLOADED;
            default -> status.is5xxServerError() ? Problems.INTERNAL : Problems.INVALID_PARAMETER;
        };
    }
}
