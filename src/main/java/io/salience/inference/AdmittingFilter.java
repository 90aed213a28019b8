package io.salience.inference;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Admission of model work, first in the filter chain. The body is read first (a multipart upload is parsed by the
 * container, any other body is buffered), and only then is the request admitted with {@link InferencePool#admit()},
 * held until the response has been written. So {@code max-in-flight} counts requests from the moment their body has
 * arrived: a slow or stalled upload holds a container thread, never an admission, and cannot make other requests
 * get 503. Each family of routes answers a rejection in its own error shape ({@link #reject}).
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

    /** The largest non-multipart body this filter buffers; a longer one is answered by {@link #refuseBody}. */
    protected long maxBufferedBody() {
        return 0;
    }

    /** Answers a non-multipart body longer than {@link #maxBufferedBody()}. */
    protected void refuseBody(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.sendError(413);
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
        HttpServletRequest read = readBody(request);
        if (read == null) {
            refuseBody(request, response);
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
            chain.doFilter(read, response);
        }
    }

    /**
     * Reads the whole body before admission: multipart bodies are parsed by the container (a parse failure is kept
     * by it and reported when the handler asks for the parts), other bodies are buffered up to
     * {@link #maxBufferedBody()}. Null when a buffered body is too long.
     */
    private HttpServletRequest readBody(HttpServletRequest request) throws IOException {
        String type = request.getContentType();
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            try {
                request.getParts();
            } catch (ServletException | IOException | RuntimeException e) {
                // kept by the container; the handler's error policy answers it (400, 413)
            }
            return request;
        }
        long max = maxBufferedBody();
        if (max <= 0) {
            return request;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (InputStream in = request.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                body.write(buffer, 0, n);
                if (body.size() > max) {
                    return null;
                }
            }
        }
        return new BufferedBodyRequest(request, body.toByteArray());
    }

    /** A request whose body has been read into memory. */
    private static final class BufferedBodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        BufferedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new IllegalStateException("the body has already been read");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            Charset cs = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), cs));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
