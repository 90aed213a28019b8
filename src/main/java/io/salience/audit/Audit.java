package io.salience.audit;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/** The current request's {@link AuditRecord}; a detached one (recorded nowhere) outside an audited request. */
public final class Audit {

    static final String ATTRIBUTE = AuditRecord.class.getName();

    private Audit() {}

    /** The record of the request bound to this thread. */
    public static AuditRecord current() {
        RequestAttributes a = RequestContextHolder.getRequestAttributes();
        Object r = a == null ? null : a.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
        return r instanceof AuditRecord record ? record : new AuditRecord();
    }

    /** The record of {@code request}. */
    public static AuditRecord of(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof AuditRecord record ? record : new AuditRecord();
    }
}
