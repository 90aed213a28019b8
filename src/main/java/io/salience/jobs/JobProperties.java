package io.salience.jobs;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the async job store, bound from {@code salience.jobs.*}. Jobs live in memory: a restart loses them.
 *
 * @param maxJobs {@code salience.jobs.max-jobs}, default 64, 1..10000: jobs held at once (queued, running and
 *     finished ones not yet expired or deleted); one more is answered 503 with {@code Retry-After}
 * @param maxRunning {@code salience.jobs.max-running}, default 2, 1..64: jobs running at once; the others wait
 *     (state {@code queued})
 * @param maxResultBytes {@code salience.jobs.max-result-bytes}, default 256MB, 1KB..16GB: stored result bytes of all
 *     jobs together; a result that would exceed it fails its job (507)
 * @param maxResultSize {@code salience.jobs.max-result-size}, default 64MB, 1KB..2GB (and at most max-result-bytes):
 *     bytes of one result; a larger one fails its job (507)
 * @param ttl {@code salience.jobs.ttl}, default 15m, 1s..7d: how long a finished job (and its result) is kept
 */
@Validated
@ConfigurationProperties("salience.jobs")
public record JobProperties(
        @DefaultValue("64") @Min(1) @Max(MAX_JOBS) int maxJobs,
        @DefaultValue("2") @Min(1) @Max(MAX_RUNNING) int maxRunning,
        @DefaultValue("256MB") @NotNull DataSize maxResultBytes,
        @DefaultValue("64MB") @NotNull DataSize maxResultSize,
        @DefaultValue("15m") @NotNull @DurationUnit(ChronoUnit.SECONDS) Duration ttl) {

    /** Upper limit of {@code max-jobs}. */
    public static final int MAX_JOBS = 10_000;
    /** Upper limit of {@code max-running}. */
    public static final int MAX_RUNNING = 64;
    /** Limits of {@code max-result-bytes}. */
    public static final DataSize MIN_BYTES = DataSize.ofKilobytes(1);

    public static final DataSize MAX_RESULT_BYTES = DataSize.ofGigabytes(16);
    /** Upper limit of {@code max-result-size} (one result is one byte array). */
    public static final DataSize MAX_RESULT_SIZE = DataSize.ofGigabytes(2);
    /** Limits of {@code ttl}. */
    public static final Duration MIN_TTL = Duration.ofSeconds(1);

    public static final Duration MAX_TTL = Duration.ofDays(7);

    /** Checks the limits the annotations cannot express (and those of instances built in code). */
    public JobProperties {
        check("max-jobs", maxJobs >= 1 && maxJobs <= MAX_JOBS, maxJobs);
        check("max-running", maxRunning >= 1 && maxRunning <= MAX_RUNNING, maxRunning);
        check(
                "max-result-bytes",
                maxResultBytes != null
                        && maxResultBytes.compareTo(MIN_BYTES) >= 0
                        && maxResultBytes.compareTo(MAX_RESULT_BYTES) <= 0,
                maxResultBytes);
        check(
                "max-result-size",
                maxResultSize != null
                        && maxResultSize.compareTo(MIN_BYTES) >= 0
                        && maxResultSize.compareTo(MAX_RESULT_SIZE) < 0
                        && maxResultSize.compareTo(maxResultBytes) <= 0,
                maxResultSize);
        check("ttl", ttl != null && ttl.compareTo(MIN_TTL) >= 0 && ttl.compareTo(MAX_TTL) <= 0, ttl);
    }

    private static void check(String name, boolean ok, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(
                    "salience.jobs." + name + " is out of its limits (see the README): " + value);
        }
    }
}
