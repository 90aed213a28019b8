package io.salience.inference;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Admission of model work, first in the filter chain: {@link InferencePool#admit()} before anything else runs, held
 * until the response has been written, so {@code max-in-flight} counts the whole request. Each family of routes
 * answers a rejection in its own error shape ({@link #reject}).
 */
public abstract class AdmittingFilter extends OncePerRequestFilter {

    private final InferencePool pool;

    protected AdmittingFilter(InferencePool pool) {
        this.pool = pool;
    }

    /** Whether the request is model work that needs an admission. */
    protected abstract boolean admits(HttpServletRequest request);

    /** Answers a rejected request (503 with {@code Retry-After}) in the routes' error shape. */
    protected abstract void reject(HttpServletRequest request, HttpServletResponse response, PoolRejectedException e)
            throws IOException;

    /** Refuses a request before admission (e.g. a body over a limit); true when it has been answered. */
    protected boolean refuse(HttpServletRequest request, HttpServletResponse response) throws IOException {
        return false;
    }

    @Override
    protected final boolean shouldNotFilter(HttpServletRequest request) {
        return !admits(request);
    }

    @Override
    protected final void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (refuse(request, response)) {
            return;
        }
        InferencePool.Admission admission;
        try {
            admission = pool.admit();
        } catch (PoolRejectedException e) {
            response.setHeader("Retry-After", e.retryAfterSeconds());
            reject(request, response, e);
            return;
        }
        try (admission) {
            chain.doFilter(request, response);
        }
    }
}
