package io.salience.model;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where models come from ({@code salience.models.*}).
 *
 * @param dir folder scanned for descriptors ({@code *.yaml} one or two levels down); default {@code models}
 * @param requireAll readiness stays DOWN while any descriptor failed to load; default true
 */
@Validated
@ConfigurationProperties("salience.models")
public record ModelsProperties(@NotNull @DefaultValue("models") Path dir, @DefaultValue("true") boolean requireAll) {}
