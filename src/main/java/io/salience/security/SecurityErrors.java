package io.salience.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes 401 and 403 before any controller runs: problem+json ({@code urn:salience:problem:unauthorized} /
 * {@code forbidden}) on the native routes, {@code {"error": "..."}} on the serving protocols' routes.
 */
final class SecurityErrors {

    static final String UNAUTHORIZED = "urn:salience:problem:unauthorized";
    static final String FORBIDDEN = "urn:salience:problem:forbidden";

    /** The KServe v1 and Open Inference Protocol routes (io.salience.protocol), which answer in their own shape. */
    private static final Pattern PROTOCOL = Pattern.compile("/v2(/.*)?|/v1/models/[^/]+:(predict|explain)|/");

    private final JsonMapper json;

    SecurityErrors(JsonMapper json) {
        this.json = json;
    }

    static boolean isProtocolRoute(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return PROTOCOL.matcher(path).matches();
    }

    void write(HttpServletRequest request, HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.setStatus(status);
        Map<String, Object> body = new LinkedHashMap<>();
        if (isProtocolRoute(request)) {
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            body.put("error", detail);
        } else {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            body.put("type", status == 401 ? UNAUTHORIZED : FORBIDDEN);
            body.put("title", title);
            body.put("status", status);
            body.put("detail", detail);
            body.put("instance", request.getRequestURI());
        }
        response.getOutputStream().write(json.writeValueAsBytes(body));
    }
}
