package io.salience.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates a request that carries an API key header: a known key sets its principal; an unknown one is
 * answered 401 at once. A request without the header passes on (a bearer token may authenticate it, or the
 * authorisation rules answer 401).
 */
final class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    private final String header;
    private final ApiKeys keys;
    private final AuthenticationEntryPoint entryPoint;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    ApiKeyAuthenticationFilter(String header, ApiKeys keys, AuthenticationEntryPoint entryPoint) {
        this.header = header;
        this.keys = keys;
        this.entryPoint = entryPoint;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = request.getHeader(header);
        if (presented == null || presented.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        Optional<SecurityProperties.Key> key = keys.match(presented);
        if (key.isEmpty()) {
            contexts.clearContext();
            entryPoint.commence(request, response, new InvalidApiKeyException());
            return;
        }
        var auth = UsernamePasswordAuthenticationToken.authenticated(
                key.get().principal(),
                null,
                AuthorityUtils.createAuthorityList(key.get().authorities()));
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(auth);
        contexts.setContext(context);
        chain.doFilter(request, response);
    }

    /** A presented API key that matches no configured key. */
    static final class InvalidApiKeyException extends BadCredentialsException {
        InvalidApiKeyException() {
            super("The API key is not valid");
        }
    }
}
