package io.salience.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Request limits ({@code salience.api.*}). Upload sizes are Spring's {@code spring.servlet.multipart.*}.
 *
 * @param maxPixels largest decoded image, width x height; default 40 megapixels, 1..400 M
 * @param maxImages most images in one predict request; default 32, 1..1024
 */
@Validated
@ConfigurationProperties("salience.api")
public record ApiProperties(
        @DefaultValue("40000000") @Min(1) @Max(400_000_000) long maxPixels,
        @DefaultValue("32") @Min(1) @Max(1024) int maxImages) {}
