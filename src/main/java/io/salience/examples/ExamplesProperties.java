package io.salience.examples;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Shipped example images ({@code salience.examples.*}).
 *
 * @param dir folder holding one sub-folder of images per model, named as the model; default {@code examples}
 * @param maxBytes largest example file listed and served; default 20 MB, 1..1 GB
 */
@Validated
@ConfigurationProperties("salience.examples")
public record ExamplesProperties(
        @NotNull @DefaultValue("examples") Path dir,
        @DefaultValue("20000000") @Min(1) @Max(1_000_000_000) long maxBytes) {}
