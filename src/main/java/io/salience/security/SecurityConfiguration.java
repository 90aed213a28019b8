package io.salience.security;

import io.salience.audit.Audit;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.BearerTokenError;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one security filter chain, for the API port and the management port. With {@code salience.security} off
 * (default) it permits everything, keeps no session and sets no cookie, as before Spring Security was added. With an
 * API key or JWTs on, every route needs a principal except the probes, the API description and (on the management
 * port) Prometheus; see {@link #PUBLIC}.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    /** Paths answered without authentication: probes, the API description, Prometheus (management port). */
    static final String[] PUBLIC = {
        "/actuator/health",
        "/actuator/health/**",
        "/actuator/prometheus",
        "/v2/health/live",
        "/v2/health/ready",
        "/v3/api-docs",
        "/v3/api-docs/**",
        "/v3/api-docs.yaml",
        "/swagger-ui.html",
        "/swagger-ui/**",
        "/error"
    };

    @Bean
    SecurityFilterChain securityFilterChain(
            HttpSecurity http, SecurityProperties props, JsonMapper json, ObjectProvider<JwtDecoder> jwtDecoder)
            throws Exception {
        SecurityErrors errors = new SecurityErrors(json);
        AuthenticationEntryPoint entryPoint = entryPoint(props, errors);
        AccessDeniedHandler denied = (request, response, e) -> errors.write(
                request,
                response,
                403,
                "Forbidden",
                "The principal is not allowed to do this"
                        + (props.requiredAuthority() == null ? "" : " (needs " + props.requiredAuthority() + ")"));
        http.csrf(c -> c.disable())
                .formLogin(f -> f.disable())
                .httpBasic(b -> b.disable())
                .logout(l -> l.disable())
                .requestCache(r -> r.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint).accessDeniedHandler(denied));
        http.authorizeHttpRequests(a -> {
            a.dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC).permitAll();
            if (!props.enabled()) {
                a.anyRequest().permitAll();
                return;
            }
            a.requestMatchers(PUBLIC).permitAll();
            // KServe v1 liveness
            a.requestMatchers(HttpMethod.GET, "/").permitAll();
            if (props.requiredAuthority() != null && !props.requiredAuthority().isBlank()) {
                a.anyRequest().hasAuthority(props.requiredAuthority());
            } else {
                a.anyRequest().authenticated();
            }
        });
        // the audit line names the authenticated principal
        http.addFilterBefore(
                (request, response, chain) -> {
                    Authentication a = SecurityContextHolder.getContext().getAuthentication();
                    if (a != null && a.isAuthenticated() && !(a instanceof AnonymousAuthenticationToken)) {
                        Audit.of((HttpServletRequest) request).principal(a.getName());
                    }
                    chain.doFilter(request, response);
                },
                AuthorizationFilter.class);
        if (props.apiKey().enabled()) {
            ApiKeys keys = ApiKeys.of(props.apiKey());
            http.addFilterBefore(
                    new ApiKeyAuthenticationFilter(props.apiKey().header(), keys, entryPoint),
                    BearerTokenAuthenticationFilter.class);
            log.info("API keys on: header {}, {} key(s)", props.apiKey().header(), keys.size());
        }
        if (props.jwt().enabled()) {
            if (jwtDecoder.getIfAvailable() == null) {
                throw new IllegalStateException("salience.security.jwt.enabled needs a key source:"
                        + " spring.security.oauth2.resourceserver.jwt.issuer-uri, jwk-set-uri or public-key-location");
            }
            http.oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults())
                    .authenticationEntryPoint(entryPoint)
                    .accessDeniedHandler(denied));
            log.info("Bearer JWTs on");
        }
        if (!props.enabled()) {
            log.info("Authentication is off (salience.security.api-key.enabled, salience.security.jwt.enabled)");
        }
        return http.build();
    }

    /** 401 with a challenge per mechanism that is on (RFC 9110 section 11.6.1). */
    private static AuthenticationEntryPoint entryPoint(SecurityProperties props, SecurityErrors errors) {
        return (request, response, e) -> {
            for (String challenge : challenges(props, e)) {
                response.addHeader("WWW-Authenticate", challenge);
            }
            errors.write(request, response, 401, "Unauthorized", detail(props, e));
        };
    }

    private static List<String> challenges(SecurityProperties props, AuthenticationException e) {
        List<String> out = new ArrayList<>();
        if (props.jwt().enabled()) {
            if (e instanceof OAuth2AuthenticationException o && o.getError() instanceof BearerTokenError b) {
                out.add("Bearer realm=\"salience\", error=\"" + b.getErrorCode() + "\"");
            } else {
                out.add("Bearer realm=\"salience\"");
            }
        }
        if (props.apiKey().enabled()) {
            out.add("ApiKey realm=\"salience\", header=\"" + props.apiKey().header() + "\"");
        }
        return out;
    }

    private static String detail(SecurityProperties props, AuthenticationException e) {
        if (e instanceof ApiKeyAuthenticationFilter.InvalidApiKeyException) {
            return "The API key is not valid";
        }
        if (e instanceof InvalidBearerTokenException || e instanceof OAuth2AuthenticationException) {
            return "The bearer token is not valid (bad signature, expired, wrong issuer or audience, or malformed)";
        }
        List<String> ways = new ArrayList<>();
        if (props.apiKey().enabled()) {
            ways.add("an API key in the " + props.apiKey().header() + " header");
        }
        if (props.jwt().enabled()) {
            ways.add("a JWT in 'Authorization: Bearer'");
        }
        return "Authentication is required: send " + String.join(" or ", ways);
    }

    /**
     * {@code show-details: when-authorized} (the default) means "to authenticated callers" when authentication is on,
     * and "to every caller" when it is off: with no authentication nobody could ever be authorised.
     */
    @Bean
    static BeanPostProcessor healthDetailsWithoutAuthentication(Environment env) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof HealthEndpointProperties health && !enabled(env)) {
                    if (health.getShowDetails() == null || health.getShowDetails() == Show.WHEN_AUTHORIZED) {
                        health.setShowDetails(Show.ALWAYS);
                    }
                    health.getGroup().values().forEach(g -> {
                        if (g.getShowDetails() == Show.WHEN_AUTHORIZED) {
                            g.setShowDetails(Show.ALWAYS);
                        }
                    });
                }
                return bean;
            }
        };
    }

    private static boolean enabled(Environment env) {
        Binder b = Binder.get(env);
        return b.bind("salience.security.api-key.enabled", Boolean.class).orElse(false)
                || b.bind("salience.security.jwt.enabled", Boolean.class).orElse(false);
    }
}
