package io.salience.protocol;

import io.salience.api.InternalErrorLog;
import io.salience.attribution.InvalidParameterException;
import io.salience.graph.UnsupportedModelException;
import io.salience.imaging.ImageDecodeException;
import io.salience.imaging.ImageTooLargeException;
import io.salience.imaging.UnsupportedImageFormatException;
import io.salience.inference.PoolRejectedException;
import io.salience.inference.WorkLimitException;
import io.salience.model.ModelNotFoundException;
import io.salience.model.ModelUnavailableException;
import java.util.Map;
import org.apache.catalina.connector.ClientAbortException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Errors of the protocol routes in their protocols' shape, {@code {"error": "..."}}, with the same statuses as the
 * native routes (and {@code Retry-After} on an overload 503). Scoped to the protocol controllers and ordered before
 * the native {@code ProblemAdvice}, which keeps answering everything else with problem+json.
 */
@RestControllerAdvice(assignableTypes = {OpenInferenceController.class, KServeV1Controller.class})
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ProtocolAdvice {

    private static final Logger log = LoggerFactory.getLogger(ProtocolAdvice.class);
    private final InternalErrorLog internalErrors = new InternalErrorLog(log);

    @ExceptionHandler(ProtocolException.class)
    ResponseEntity<Map<String, String>> protocol(ProtocolException e) {
        return error(HttpStatus.valueOf(e.status()), e.getMessage());
    }

    @ExceptionHandler(ModelNotFoundException.class)
    ResponseEntity<Map<String, String>> unknownModel(ModelNotFoundException e) {
        return error(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(ModelUnavailableException.class)
    ResponseEntity<Map<String, String>> unavailable(ModelUnavailableException e) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
    }

    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<Map<String, String>> invalid(InvalidParameterException e) {
        return error(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler({
        HttpMessageNotReadableException.class,
        MissingRequestHeaderException.class,
        MethodArgumentTypeMismatchException.class
    })
    ResponseEntity<Map<String, String>> unreadable(Exception e) {
        return error(
                HttpStatus.BAD_REQUEST,
                "the request cannot be read"
                        + (e instanceof MethodArgumentTypeMismatchException m
                                ? ": " + m.getName() + " has an invalid value"
                                : ""));
    }

    @ExceptionHandler(UnsupportedImageFormatException.class)
    ResponseEntity<Map<String, String>> unsupportedImage(UnsupportedImageFormatException e) {
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
    }

    @ExceptionHandler({ImageDecodeException.class, UnsupportedModelException.class, WorkLimitException.class})
    ResponseEntity<Map<String, String>> unprocessable(RuntimeException e) {
        return error(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage());
    }

    @ExceptionHandler(ImageTooLargeException.class)
    ResponseEntity<Map<String, String>> tooLarge(ImageTooLargeException e) {
        return error(HttpStatus.CONTENT_TOO_LARGE, e.getMessage());
    }

    @ExceptionHandler(PoolRejectedException.class)
    ResponseEntity<Map<String, String>> rejected(PoolRejectedException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds())
                .contentType(MediaType.APPLICATION_JSON)
                .body(OpenInferenceCodec.error(e.getMessage()));
    }

    /** The client went away while the response was being written: nothing to answer. */
    @ExceptionHandler({ClientAbortException.class, AsyncRequestNotUsableException.class})
    void clientGone(Exception e) {
        log.debug("Client disconnected: {}", e.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, String>> internal(Exception e, jakarta.servlet.http.HttpServletRequest request) {
        internalErrors.record(request.getMethod() + " " + request.getRequestURI() + " (protocol route)", e);
        return error(HttpStatus.INTERNAL_SERVER_ERROR, "an internal error occurred");
    }

    private static ResponseEntity<Map<String, String>> error(HttpStatus status, String message) {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .body(OpenInferenceCodec.error(message == null ? status.getReasonPhrase() : message));
    }
}
