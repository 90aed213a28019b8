package io.salience.api;

import io.salience.attribution.InvalidParameterException;
import io.salience.examples.ExampleNotFoundException;
import io.salience.graph.UnsupportedModelException;
import io.salience.imaging.ImageDecodeException;
import io.salience.imaging.ImageTooLargeException;
import io.salience.imaging.UnsupportedImageFormatException;
import io.salience.inference.PoolRejectedException;
import io.salience.inference.WorkLimitException;
import io.salience.jobs.JobNotFoundException;
import io.salience.jobs.JobNotSucceededException;
import io.salience.jobs.JobStoreFullException;
import io.salience.model.ModelNotFoundException;
import io.salience.model.ModelUnavailableException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.Set;
import org.apache.catalina.connector.ClientAbortException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.annotation.ExceptionHandlerMethodResolver;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * The one error policy: every error is an RFC 9457 {@code application/problem+json} with a stable {@code type}.
 * Messages are written for clients; stack traces, class names and file paths stay in the log.
 */
@RestControllerAdvice
public class ProblemAdvice {

    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);
    private final InternalErrorLog internalErrors = new InternalErrorLog(log);
    private static final ExceptionHandlerMethodResolver HANDLERS =
            new ExceptionHandlerMethodResolver(ProblemAdvice.class);

    /**
     * The problem this advice answers for {@code error} (the same handler Spring MVC would pick), for failures outside
     * a request, e.g. a failed async job.
     *
     * @param error the failure
     * @param instance the request path the problem is about, or null
     * @return the status, headers (e.g. Retry-After) and problem body
     */
    public ResponseEntity<ProblemDetail> problemFor(Throwable error, String instance) {
        Exception e = error instanceof Exception ex ? ex : new IllegalStateException(error);
        Method handler = HANDLERS.resolveMethodByThrowable(e);
        ResponseEntity<ProblemDetail> answer = null;
        if (handler != null && ResponseEntity.class.isAssignableFrom(handler.getReturnType())) {
            ReflectionUtils.makeAccessible(handler);
            try {
                Object arg = handler.getParameterTypes()[0].isInstance(e) ? e : e.getCause();
                @SuppressWarnings("unchecked")
                ResponseEntity<ProblemDetail> r = (ResponseEntity<ProblemDetail>) handler.invoke(this, arg);
                answer = r;
            } catch (IllegalAccessException | InvocationTargetException | RuntimeException reflection) {
                log.error("Problem mapping failed for {}", e.getClass().getName(), reflection);
            }
        }
        if (answer == null || answer.getBody() == null) {
            answer = internal(e, instance == null ? "a job" : "a job of " + instance);
        }
        ProblemDetail body = answer.getBody();
        if (instance != null && body.getInstance() == null) {
            body.setInstance(URI.create(instance));
        }
        return answer;
    }

    @ExceptionHandler(JobNotFoundException.class)
    ResponseEntity<ProblemDetail> unknownJob(JobNotFoundException e) {
        return respond(problem(HttpStatus.NOT_FOUND, Problems.NOT_FOUND, "Unknown job", e.getMessage()));
    }

    @ExceptionHandler(JobNotSucceededException.class)
    ResponseEntity<ProblemDetail> jobNotSucceeded(JobNotSucceededException e) {
        ProblemDetail p = problem(HttpStatus.CONFLICT, Problems.JOB_NOT_SUCCEEDED, "Job has no result", e.getMessage());
        p.setProperty("state", e.state());
        return respond(p);
    }

    @ExceptionHandler(JobStoreFullException.class)
    ResponseEntity<ProblemDetail> jobStoreFull(JobStoreFullException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem(
                        HttpStatus.SERVICE_UNAVAILABLE, Problems.JOB_STORE_FULL, "Job store full", e.getMessage()));
    }

    @ExceptionHandler(ModelNotFoundException.class)
    ResponseEntity<ProblemDetail> unknownModel(ModelNotFoundException e) {
        ProblemDetail p = problem(HttpStatus.NOT_FOUND, Problems.UNKNOWN_MODEL, "Unknown model", e.getMessage());
        p.setProperty("model", e.model());
        return respond(p);
    }

    @ExceptionHandler(ExampleNotFoundException.class)
    ResponseEntity<ProblemDetail> unknownExample(ExampleNotFoundException e) {
        return respond(problem(HttpStatus.NOT_FOUND, Problems.NOT_FOUND, "Not found", e.getMessage()));
    }

    @ExceptionHandler(ModelUnavailableException.class)
    ResponseEntity<ProblemDetail> unavailable(ModelUnavailableException e) {
        return respond(problem(
                HttpStatus.SERVICE_UNAVAILABLE, Problems.MODEL_UNAVAILABLE, "Model unavailable", e.getMessage()));
    }

    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidParameterException e) {
        return badParameter(e.parameter(), e.getMessage());
    }

    @ExceptionHandler(MissingServletRequestPartException.class)
    ResponseEntity<ProblemDetail> missingPart(MissingServletRequestPartException e) {
        return badParameter(e.getRequestPartName(), "the multipart part '" + e.getRequestPartName() + "' is required");
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<ProblemDetail> missingParam(MissingServletRequestParameterException e) {
        return badParameter(e.getParameterName(), "the parameter '" + e.getParameterName() + "' is required");
    }

    /** Tomcat refuses a query string it cannot decode (a name-less field, bad percent-encoding, invalid UTF-8). */
    @ExceptionHandler(org.apache.tomcat.util.http.InvalidParameterException.class)
    ResponseEntity<ProblemDetail> undecodableQuery(org.apache.tomcat.util.http.InvalidParameterException e) {
        return badParameter(
                null, "the query string or form fields cannot be decoded: use name=value pairs, percent-encoded UTF-8");
    }

    /**
     * Spring Security's firewall refuses a parameter name or value it will not pass on (control or unassigned
     * characters); it surfaces when the parameters are first read, so it reaches this advice rather than the filter.
     */
    @ExceptionHandler(org.springframework.security.web.firewall.RequestRejectedException.class)
    ResponseEntity<ProblemDetail> rejectedParameter(
            org.springframework.security.web.firewall.RequestRejectedException e) {
        return badParameter(
                null,
                "a parameter name or value holds characters that are not allowed (control or unassigned code points)");
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> mismatch(MethodArgumentTypeMismatchException e) {
        return badParameter(e.getName(), e.getName() + " has an invalid value '" + e.getValue() + "'");
    }

    @ExceptionHandler({UnsupportedImageFormatException.class})
    ResponseEntity<ProblemDetail> unsupportedImage(RuntimeException e) {
        return respond(problem(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                Problems.UNSUPPORTED_MEDIA_TYPE,
                "Unsupported image format",
                e.getMessage()));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ProblemDetail> unsupportedRequest(HttpMediaTypeNotSupportedException e) {
        return respond(problem(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                Problems.UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                "Content type '" + e.getContentType() + "' is not supported; send multipart/form-data"));
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ProblemDetail> multipart(MultipartException e) {
        // Tomcat's part-count and part-header limits surface as "size exceeded" too; they are not about size
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.tomcat.util.http.fileupload.impl.FileCountLimitExceededException) {
                return respond(problem(
                        HttpStatus.BAD_REQUEST,
                        Problems.INVALID_PARAMETER,
                        "Invalid multipart request",
                        "The request has more parts than the server accepts (server.tomcat.max-part-count)"));
            }
            String m = t.getMessage();
            if (m != null && m.contains("Header section has more than")) {
                return respond(problem(
                        HttpStatus.BAD_REQUEST,
                        Problems.INVALID_PARAMETER,
                        "Invalid multipart request",
                        "A part's headers are longer than the server accepts"
                                + " (server.tomcat.max-part-header-size), e.g. a very long file name"));
            }
        }
        if (e instanceof MaxUploadSizeExceededException) {
            return tooLarge("The upload exceeds the configured size limit");
        }
        return respond(problem(
                HttpStatus.BAD_REQUEST,
                Problems.INVALID_PARAMETER,
                "Invalid multipart request",
                "The request is not a valid multipart/form-data body"));
    }

    @ExceptionHandler(ImageDecodeException.class)
    ResponseEntity<ProblemDetail> undecodable(ImageDecodeException e) {
        return respond(problem(
                HttpStatus.UNPROCESSABLE_CONTENT,
                Problems.UNDECODABLE_IMAGE,
                "Image cannot be decoded",
                e.getMessage()));
    }

    @ExceptionHandler(ImageTooLargeException.class)
    ResponseEntity<ProblemDetail> tooLargeImage(ImageTooLargeException e) {
        return tooLarge(e.getMessage());
    }

    @ExceptionHandler(UnsupportedModelException.class)
    ResponseEntity<ProblemDetail> unsupportedModel(UnsupportedModelException e) {
        return respond(problem(
                HttpStatus.UNPROCESSABLE_CONTENT,
                Problems.UNSUPPORTED_MODEL,
                "Method not applicable to this model",
                e.getMessage()));
    }

    @ExceptionHandler(WorkLimitException.class)
    ResponseEntity<ProblemDetail> tooMuchWork(WorkLimitException e) {
        ProblemDetail p = problem(
                HttpStatus.UNPROCESSABLE_CONTENT,
                Problems.TOO_MUCH_WORK,
                "Request over the model's work cap",
                e.getMessage());
        p.setProperty("rows", e.rows());
        p.setProperty("maxRows", e.maxRows());
        return respond(p);
    }

    @ExceptionHandler(PoolRejectedException.class)
    ResponseEntity<ProblemDetail> rejected(PoolRejectedException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(overloaded(e));
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ProblemDetail> notAcceptable(HttpMediaTypeNotAcceptableException e) {
        return respond(problem(
                HttpStatus.NOT_ACCEPTABLE,
                Problems.NOT_ACCEPTABLE,
                "Not acceptable",
                "Acceptable representations: " + e.getSupportedMediaTypes()));
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ProblemDetail> notFound(NoResourceFoundException e) {
        return respond(problem(HttpStatus.NOT_FOUND, Problems.NOT_FOUND, "Not found", "No such resource"));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ProblemDetail> methodNotAllowed(HttpRequestMethodNotSupportedException e) {
        Set<HttpMethod> allowed = e.getSupportedHttpMethods() == null ? Set.of() : e.getSupportedHttpMethods();
        ProblemDetail p = problem(
                HttpStatus.METHOD_NOT_ALLOWED,
                Problems.METHOD_NOT_ALLOWED,
                "Method not allowed",
                "HTTP method " + e.getMethod() + " is not supported here; allowed: " + allowed);
        // RFC 9110 section 15.5.6: a 405 lists the methods the resource supports
        return ResponseEntity.status(p.getStatus())
                .allow(allowed.toArray(HttpMethod[]::new))
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(p);
    }

    /** The client went away while the response was being written: nothing to answer, nothing to alarm. */
    @ExceptionHandler({ClientAbortException.class, AsyncRequestNotUsableException.class})
    void clientGone(Exception e) {
        log.debug("Client disconnected: {}", e.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> internal(Exception e, jakarta.servlet.http.HttpServletRequest request) {
        return internal(e, request.getMethod() + " " + request.getRequestURI());
    }

    private ResponseEntity<ProblemDetail> internal(Exception e, String where) {
        internalErrors.record(where, e);
        return respond(problem(
                HttpStatus.INTERNAL_SERVER_ERROR, Problems.INTERNAL, "Internal error", "An internal error occurred"));
    }

    private ResponseEntity<ProblemDetail> badParameter(String parameter, String detail) {
        ProblemDetail p = problem(HttpStatus.BAD_REQUEST, Problems.INVALID_PARAMETER, "Invalid parameter", detail);
        if (parameter != null) {
            p.setProperty("parameter", parameter);
        }
        return respond(p);
    }

    private ResponseEntity<ProblemDetail> tooLarge(String detail) {
        return respond(problem(HttpStatus.CONTENT_TOO_LARGE, Problems.TOO_LARGE, "Payload too large", detail));
    }

    /** The problem for a rejection by the pool: 503, type overloaded, the reason as a property. */
    static ProblemDetail overloaded(PoolRejectedException e) {
        ProblemDetail p =
                problem(HttpStatus.SERVICE_UNAVAILABLE, Problems.OVERLOADED, "Service overloaded", e.getMessage());
        p.setProperty("reason", e.reason().tag());
        return p;
    }

    private static ProblemDetail problem(HttpStatus status, URI type, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setType(type);
        p.setTitle(title);
        return p;
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail p) {
        return ResponseEntity.status(p.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(p);
    }
}
