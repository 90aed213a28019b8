package io.salience.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Request limits ({@code salience.api.*}). Upload sizes are Spring's {@code spring.servlet.multipart.*}.
 *
 * @param maxPixels largest decoded image, width x height, for any model; default 40 megapixels, 1..400 M
 * @param maxImages most images in one predict request; default 32, 1..1024
 * @param maxPixelsPerInputPixel a model's default pixel cap as a multiple of its input size (a 50x50 model takes
 *     at most 1024 x 2500 = 2.56 MP), never above {@code max-pixels}; a descriptor's {@code limits.maxPixels}
 *     overrides it; 0 = only {@code max-pixels}; default 1024, 0..10^6
 * @param maxRows most model rows (session-run inputs: IG steps, SmoothGrad samples x base rows, RISE masks, LIME
 *     samples, occlusion patches, CAM channels) one request may schedule; a descriptor's {@code limits.maxRows}
 *     overrides it; default 4096, 1..10^7
 * @param maxJobRows the same cap for work that runs as an async job (background priority, at most
 *     {@code salience.jobs.max-running} at once), so that a job may use a method's full range (RISE's 20,000 masks and the target row);
 *     a descriptor's {@code limits.maxRows} overrides it too; default 32768, 1..10^7
 * @param maxOutputPixels largest PNG that {@code size=original} may render, width x height; default 4 MP
 *     (2048x2048), 1..400 M
 * @param maxJpegScans most scans in a JPEG (progressive JPEGs have about 10); default 32, 1..10000
 * @param maxFrames most GIF frames or TIFF directories in an upload (only the first is read); default 256, 1..10^5
 * @param decodeThreads images decoded at once; 0 = one per core; default 0, 0..256
 * @param decodeQueue decodes waiting for a thread; one more gets 503; default 64, 1..10000
 */
@Validated
@ConfigurationProperties("salience.api")
public record ApiProperties(
        @DefaultValue("40000000") @Min(1) @Max(400_000_000) long maxPixels,
        @DefaultValue("32") @Min(1) @Max(1024) int maxImages,
        @DefaultValue("1024") @Min(0) @Max(1_000_000) long maxPixelsPerInputPixel,
        @DefaultValue("4096") @Min(1) @Max(10_000_000) long maxRows,
        @DefaultValue("32768") @Min(1) @Max(10_000_000) long maxJobRows,
        @DefaultValue("4194304") @Min(1) @Max(400_000_000) long maxOutputPixels,
        @DefaultValue("32") @Min(1) @Max(10_000) int maxJpegScans,
        @DefaultValue("256") @Min(1) @Max(100_000) int maxFrames,
        @DefaultValue("0") @Min(0) @Max(256) int decodeThreads,
        @DefaultValue("64") @Min(1) @Max(10_000) int decodeQueue) {}
