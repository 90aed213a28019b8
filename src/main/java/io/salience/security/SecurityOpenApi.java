package io.salience.security;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With authentication on, the served OpenAPI document declares it: an {@code apiKey} scheme for the header and/or an
 * HTTP bearer (JWT) scheme, required by every operation (the probes and the description itself excepted). With it
 * off (the published {@code openapi.yaml}) nothing is added.
 */
@Configuration(proxyBeanMethods = false)
class SecurityOpenApi {

    static final String API_KEY = "apiKey";
    static final String BEARER = "bearerJwt";

    @Bean
    OpenApiCustomizer securitySchemes(SecurityProperties props) {
        return openApi -> {
            if (!props.enabled()) {
                return;
            }
            if (openApi.getComponents() == null) {
                openApi.setComponents(new Components());
            }
            SecurityRequirement either = new SecurityRequirement();
            SecurityRequirement bearer = new SecurityRequirement();
            if (props.apiKey().enabled()) {
                openApi.getComponents()
                        .addSecuritySchemes(
                                API_KEY,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.APIKEY)
                                        .in(SecurityScheme.In.HEADER)
                                        .name(props.apiKey().header()));
                either.addList(API_KEY);
            }
            if (props.jwt().enabled()) {
                openApi.getComponents()
                        .addSecuritySchemes(
                                BEARER,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .bearerFormat("JWT"));
                bearer.addList(BEARER);
            }
            openApi.getPaths().forEach((path, item) -> {
                if (path.startsWith("/v2/health/") || path.equals("/")) {
                    return;
                }
                item.readOperations().forEach(op -> {
                    if (!either.isEmpty()) {
                        op.addSecurityItem(either);
                    }
                    if (!bearer.isEmpty()) {
                        op.addSecurityItem(bearer);
                    }
                });
            });
        };
    }
}
