package io.salience.api;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's error report for what never reaches Spring (a malformed request line or header, a URI Tomcat refuses):
 * the same problem+json as {@link ProblemAdvice}, instead of Tomcat's HTML page. Installed on the host of the API and
 * the management server.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    /** Makes this the error report valve of the factory's host. */
    static void install(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                // Spring Boot adds Tomcat's valve (no stack traces) to the host: this one replaces it
                for (Valve v : host.getPipeline().getValves()) {
                    if (v instanceof ErrorReportValve && !(v instanceof ProblemErrorReportValve)) {
                        host.getPipeline().removeValve(v);
                    }
                }
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            } else {
                throw new IllegalStateException("Tomcat context without a host: " + context.getParent());
            }
        });
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || response.isCommitted()) {
            return;
        }
        AtomicBoolean io = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, io);
        if (!io.get()) {
            return;
        }
        response.setErrorReported();
        HttpStatus known = HttpStatus.resolve(status);
        String title = known != null ? known.getReasonPhrase() : status >= 500 ? "Internal error" : "Bad request";
        boolean internal = status == 500;
        String type = internal
                ? Problems.INTERNAL.toString()
                : status == 404 ? Problems.NOT_FOUND.toString() : Problems.INVALID_PARAMETER.toString();
        String detail = internal ? "An internal error occurred" : "The request was refused: " + title;
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer w = response.getReporter();
            if (w != null) {
                w.write("{\"type\":\"" + type + "\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\""
                        + detail + "\"}");
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the connection is gone or the response is committed: nothing more to say
        }
    }
}
