package io.salience.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Authentication ({@code salience.security.*}); both mechanisms are off by default (local use). When either is on,
 * every API route needs a principal, and health details are shown to authenticated callers only.
 *
 * @param apiKey API keys in a request header
 * @param jwt bearer JWTs checked by the OAuth2 resource server ({@code spring.security.oauth2.resourceserver.jwt.*})
 * @param requiredAuthority when set, the authority (e.g. {@code SCOPE_salience}) every API call needs: an
 *     authenticated principal without it gets 403
 */
@Validated
@ConfigurationProperties("salience.security")
public record SecurityProperties(
        @Valid @DefaultValue ApiKey apiKey, @Valid @DefaultValue Jwt jwt, String requiredAuthority) {

    /** Whether any authentication is on. */
    public boolean enabled() {
        return apiKey.enabled() || jwt.enabled();
    }

    /**
     * API keys. A key is never stored, only its SHA-256 (hex); keys should be random, 32 bytes or more
     * ({@code openssl rand -hex 32}).
     *
     * @param enabled whether API keys are accepted; default false
     * @param header the request header carrying the key; default {@code X-API-Key}
     * @param keys keys given in configuration (or as {@code SALIENCE_SECURITY_API_KEY_KEYS_0_PRINCIPAL}, ...)
     * @param keysFile a file (e.g. a mounted secret) with one key a line: {@code principal sha256hex [authority,...]};
     *     {@code #} starts a comment
     */
    public record ApiKey(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("X-API-Key") @NotBlank String header,
            @DefaultValue List<@Valid Key> keys,
            Path keysFile) {}

    /**
     * One API key.
     *
     * @param principal the name the key authenticates as (audit, job ownership)
     * @param sha256 the SHA-256 of the key, 64 hex digits
     * @param authorities authorities granted, e.g. {@code salience}; default none
     */
    public record Key(
            @NotBlank String principal,
            @NotBlank @Pattern(regexp = "[0-9a-fA-F]{64}") String sha256,
            @DefaultValue List<String> authorities) {}

    /**
     * Bearer JWTs. Where keys come from is Spring Boot's {@code spring.security.oauth2.resourceserver.jwt.*}:
     * {@code issuer-uri}, {@code jwk-set-uri} or {@code public-key-location}, with {@code audiences} and
     * {@code principal-claim-name}.
     *
     * @param enabled whether bearer JWTs are accepted; default false
     */
    public record Jwt(@DefaultValue("false") boolean enabled) {}
}
