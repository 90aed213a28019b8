package io.salience.api;

import io.salience.inference.ClientLiveness;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Field;
import java.util.function.BooleanSupplier;
import org.apache.catalina.connector.RequestFacade;
import org.apache.coyote.ActionCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Lets the inference pool cancel the queued work of a client that has disconnected. Servlet containers notice a
 * closed connection only when they write to it; while a model request waits in the pool nothing is written, so this
 * binds a check to the request thread ({@link ClientLiveness}) that asks Tomcat for a non-blocking read of the
 * connection: once the request body has been read, an HTTP/1.1 client sends nothing more until it has its answer,
 * so a readable connection means end of stream or reset, i.e. the client has gone. (A client that pipelines its
 * next request, or half-closes its side after sending, is taken as gone too; browsers and common HTTP clients do
 * neither.) When the server is not Tomcat, no check is bound and requests simply run to completion.
 */
final class DisconnectInterceptor implements HandlerInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(DisconnectInterceptor.class);
    private static final Field FACADE_REQUEST = facadeField();

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        BooleanSupplier gone = check(request);
        if (gone != null) {
            ClientLiveness.bind(gone);
        }
        return true;
    }

    @Override
    public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler, Exception e) {
        ClientLiveness.clear();
    }

    /** A check of whether the client of {@code request} has disconnected, or null when it cannot be checked. */
    static BooleanSupplier check(HttpServletRequest request) {
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper w) {
            r = w.getRequest();
        }
        if (FACADE_REQUEST == null || !(r instanceof RequestFacade facade)) {
            return null;
        }
        try {
            org.apache.coyote.Request coyote =
                    ((org.apache.catalina.connector.Request) FACADE_REQUEST.get(facade)).getCoyoteRequest();
            return () -> {
                coyote.action(ActionCode.AVAILABLE, Boolean.TRUE);
                return coyote.getAvailable() > 0;
            };
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.debug("Cannot reach Tomcat's request; client disconnects are not detected", e);
            return null;
        }
    }

    private static Field facadeField() {
        try {
            Field f = RequestFacade.class.getDeclaredField("request");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException | RuntimeException e) {
            LOG.warn("This Tomcat version hides its request; client disconnects will not cancel queued work", e);
            return null;
        }
    }
}
