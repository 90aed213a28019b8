package io.salience.audit;

import io.salience.model.ModelRegistry;
import io.salience.model.ModelStatus;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON line per request on the logger {@code salience.audit} (INFO), written when the request ends: time,
 * request id, principal, HTTP method and path, status, duration, and what the controllers recorded (model, version,
 * model SHA-256, input SHA-256s, operation, parameters used, explanation id, stage timings). The request id is the
 * client's {@code X-Request-Id} when it is 1..64 characters of {@code [A-Za-z0-9._-]}, else a new UUID; it is
 * echoed in the response.
 */
final class AuditFilter extends OncePerRequestFilter {

    static final Logger AUDIT = LoggerFactory.getLogger("salience.audit");
    static final String REQUEST_ID = "X-Request-Id";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final ModelRegistry registry;
    private final JsonMapper json = JsonMapper.builder().build();

    AuditFilter(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long t0 = System.nanoTime();
        Instant start = Instant.now();
        String given = request.getHeader(REQUEST_ID);
        String id = given != null && ID.matcher(given).matches()
                ? given
                : UUID.randomUUID().toString();
        AuditRecord record = new AuditRecord();
        request.setAttribute(Audit.ATTRIBUTE, record);
        response.setHeader(REQUEST_ID, id);
        MDC.put("requestId", id);
        int status = 500;
        try {
            chain.doFilter(request, response);
            status = response.getStatus();
        } finally {
            MDC.remove("requestId");
            if (request.isAsyncStarted()) {
                // completes later: the status is the one known when the container thread returns
                status = response.getStatus();
            }
            write(start, id, request, status, (System.nanoTime() - t0) / 1e6, record);
        }
    }

    /** Error dispatches (Tomcat forwarding to /error) belong to the request already audited. */
    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return true;
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return true;
    }

    private void write(Instant start, String id, HttpServletRequest request, int status, double ms, AuditRecord r) {
        if (!AUDIT.isInfoEnabled() || request.getDispatcherType() != DispatcherType.REQUEST) {
            return;
        }
        if (r.model != null && r.modelSha256 == null) {
            registry.entry(r.model)
                    .filter(e -> e.status() == ModelStatus.READY)
                    .ifPresent(e -> r.model(
                            r.model, e.model().descriptor().version(), e.model().sha256()));
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", start.toString());
        line.put("requestId", id);
        line.put("principal", r.principal);
        line.put("httpMethod", request.getMethod());
        line.put("path", request.getRequestURI());
        line.put("status", status);
        line.put("durationMs", Math.round(ms * 100) / 100.0);
        line.put("model", r.model);
        line.put("modelVersion", r.modelVersion);
        line.put("modelSha256", r.modelSha256);
        line.put("inputSha256", r.inputSha256.isEmpty() ? null : r.inputSha256);
        line.put("operation", r.operation);
        line.put("parameters", r.parameters);
        line.put("explanationId", r.explanationId);
        if (!r.explanationIds.isEmpty()) {
            line.put("explanationIds", r.explanationIds);
        }
        line.put("timingsMs", r.timings);
        line.values().removeIf(v -> v == null);
        AUDIT.info(json.writeValueAsString(line));
    }
}
