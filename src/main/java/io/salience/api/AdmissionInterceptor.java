package io.salience.api;

import io.salience.inference.InferencePool;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Rejects model work with 503 before its upload is read when the inference queue is full or the pool is shutting
 * down, so overload costs no multipart parsing or image decoding. Needs lazy multipart resolution
 * ({@code spring.servlet.multipart.resolve-lazily=true}); the exception goes through {@link ProblemAdvice}.
 */
final class AdmissionInterceptor implements HandlerInterceptor {

    private final InferencePool pool;

    AdmissionInterceptor(InferencePool pool) {
        this.pool = pool;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if ("POST".equals(request.getMethod())) {
            pool.checkAdmission();
        }
        return true;
    }
}
