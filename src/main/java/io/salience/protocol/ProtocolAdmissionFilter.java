package io.salience.protocol;

import io.salience.inference.AdmittingFilter;
import io.salience.inference.InferencePool;
import io.salience.inference.PoolRejectedException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Admission of the protocol routes' model work, exactly as the native routes' admission filter does it (first in the
 * chain, {@link InferencePool#admit()} held until the response is written, so {@code max-in-flight} counts these
 * requests too), but answering in the protocols' shape: 503 {@code {"error": "..."}} with {@code Retry-After}. A
 * body larger than {@code spring.servlet.multipart.max-request-size}, the native routes' request limit, is refused
 * with 413 before it is read.
 */
final class ProtocolAdmissionFilter extends AdmittingFilter {

    private static final Pattern MODEL_WORK =
            Pattern.compile("/v2/models/[^/]+(/versions/[^/]+)?/infer|/v1/models/[^/:]+:(predict|explain)");

    private final JsonMapper json;
    private final long maxBody;

    ProtocolAdmissionFilter(InferencePool pool, JsonMapper json, long maxBody) {
        super(pool);
        this.json = json;
        this.maxBody = maxBody;
    }

    /** Whether {@code request} is protocol model work: a POST to v2 infer or v1 :predict / :explain. */
    static boolean isModelWork(HttpServletRequest request) {
        return "POST".equals(request.getMethod())
                && MODEL_WORK
                        .matcher(request.getRequestURI()
                                .substring(request.getContextPath().length()))
                        .matches();
    }

    @Override
    protected boolean admits(HttpServletRequest request) {
        return isModelWork(request);
    }

    @Override
    protected boolean refuse(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getContentLengthLong() <= maxBody) {
            return false;
        }
        write(
                response,
                413,
                "the request body of " + request.getContentLengthLong() + " bytes exceeds " + maxBody
                        + " bytes (spring.servlet.multipart.max-request-size)");
        return true;
    }

    @Override
    protected long maxBufferedBody() {
        return maxBody;
    }

    @Override
    protected void refuseBody(HttpServletRequest request, HttpServletResponse response) throws IOException {
        write(
                response,
                413,
                "the request body exceeds " + maxBody + " bytes (spring.servlet.multipart.max-request-size)");
    }

    @Override
    protected void reject(HttpServletRequest request, HttpServletResponse response, PoolRejectedException e)
            throws IOException {
        write(response, 503, e.getMessage());
    }

    private void write(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.getOutputStream().write(json.writeValueAsBytes(OpenInferenceCodec.error(message)));
    }
}
