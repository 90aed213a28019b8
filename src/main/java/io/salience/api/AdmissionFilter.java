package io.salience.api;

import io.salience.inference.AdmittingFilter;
import io.salience.inference.InferencePool;
import io.salience.inference.PoolRejectedException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/**
 * Admits each model request ({@code POST /v1/models/{model}/predict|saliency}) with {@link InferencePool#admit()}
 * before anything else runs, and holds the admission until the response has been written, so
 * {@code max-in-flight} counts the whole request. Overload is answered here, first in the filter chain: no upload
 * parsing, no Spring MVC dispatch, no request observation, because under overload most requests are rejections and
 * their cost is what the accepted requests compete with. The 503 body is the same problem+json as
 * {@link ProblemAdvice} writes ({@link ProblemAdvice#overloaded}). Rejections are counted in {@code salience_rejected_total}, not in
 * {@code http_server_requests}.
 */
final class AdmissionFilter extends AdmittingFilter {

    private static final String MODELS = "/v1/models/";

    private final JsonMapper json;

    AdmissionFilter(InferencePool pool, JsonMapper json) {
        super(pool);
        this.json = json;
    }

    /** Whether {@code request} is model work: a POST to {@code /v1/models/{model}/predict} or {@code .../saliency}. */
    static boolean isModelWork(HttpServletRequest request) {
        if (!"POST".equals(request.getMethod())) {
            return false;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        int slash = path.indexOf('/', MODELS.length());
        return path.startsWith(MODELS)
                && slash > MODELS.length()
                && slash == path.lastIndexOf('/')
                && (path.endsWith("/predict") || path.endsWith("/saliency"));
    }

    @Override
    protected boolean admits(HttpServletRequest request) {
        return isModelWork(request);
    }

    @Override
    protected void reject(HttpServletRequest request, HttpServletResponse response, PoolRejectedException e)
            throws IOException {
        ProblemDetail problem = ProblemAdvice.overloaded(e);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", problem.getType().toString());
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        body.put("detail", problem.getDetail());
        body.put("instance", request.getRequestURI());
        body.putAll(problem.getProperties());
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(json.writeValueAsBytes(body));
    }
}
