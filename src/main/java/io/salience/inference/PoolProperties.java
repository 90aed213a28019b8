package io.salience.inference;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the {@link InferencePool}, bound from {@code salience.pool.*} and validated at startup.
 *
 * @param concurrency {@code salience.pool.concurrency}, default 1, 1..64: number of batches that may run at once
 *     (worker threads). 1 is right for one GPU; more only helps on CPU or when session runs release the device.
 * @param queueCapacity {@code salience.pool.queue-capacity}, default 64, 1..100000: maximum number of admitted
 *     requests waiting (that still have rows not yet started). When reached, {@code submit} rejects at once with
 *     {@link PoolRejectedException.Reason#QUEUE_FULL}.
 * @param maxBatch {@code salience.pool.max-batch}, default 64, 1..4096: maximum rows per runner call. Requests with
 *     more rows are split into chunks of at most this many rows.
 * @param batching {@code salience.pool.batching}, default true: merge waiting requests with equal {@link BatchKey}
 *     into one runner call. When false every runner call holds rows of exactly one request (still chunked to
 *     {@code max-batch}) and there is no batching window.
 * @param batchWindow {@code salience.pool.batch-window}, default 2ms, 0..1s: after taking the first request for a
 *     key, how long a worker may wait for more rows of that key before running a batch that is not full. 0 merges
 *     only requests that are already waiting. The wait ends early when the batch is full, when the pool shuts down,
 *     when requests of other keys are waiting and no worker is idle to serve them, or when every admitted HTTP
 *     request already has work in the pool (none of them could add rows, so a lone request does not wait).
 * @param defaultDeadline {@code salience.pool.default-deadline}, default 30s, 1ms..10min: deadline of a request that
 *     names none; also the cap for per-request deadlines. A request not completed by its deadline fails with
 *     {@link PoolRejectedException.Reason#DEADLINE}; its rows not yet started never run.
 * @param retryAfter {@code salience.pool.retry-after}, default 1s, 0..1h: back-off suggested to clients in every
 *     {@link PoolRejectedException} (HTTP {@code Retry-After}).
 * @param shutdownTimeout {@code salience.pool.shutdown-timeout}, default 30s, 0..10min: how long Spring's lifecycle
 *     stop (and {@link InferencePool#close()}) lets admitted requests finish before failing the rest with
 *     {@link PoolRejectedException.Reason#SHUTTING_DOWN}.
 * @param maxQueueWait {@code salience.pool.max-queue-wait}, default 0 (off), 0..10min: admission by time rather than
 *     by count. When the work already queued is estimated to take longer than this (rows waiting × the measured
 *     seconds per row of their model and graph, divided by {@code concurrency}), a new request is rejected at once
 *     with {@link PoolRejectedException.Reason#QUEUE_FULL}, so accepted requests wait at most about this long.
 * @param maxInFlight {@code salience.pool.max-in-flight}, default -1 (auto: one per core, at least 2), 0 = off,
 *     -1..100000: the most HTTP model requests admitted at once, counted from admission (once the body has been
 *     read) until the response is done, whatever phase they are in (decoding, queued, running, encoding). One more
 *     is rejected at once with
 *     {@link PoolRejectedException.Reason#QUEUE_FULL}. This bounds the latency of accepted requests under overload
 *     (Little's law: about max-in-flight / throughput); the queue limits see only work already in the pool.
 */
@Validated
@ConfigurationProperties("salience.pool")
public record PoolProperties(
        @DefaultValue("1") @Min(1) @Max(MAX_CONCURRENCY) int concurrency,
        @DefaultValue("64") @Min(1) @Max(MAX_QUEUE_CAPACITY) int queueCapacity,
        @DefaultValue("64") @Min(1) @Max(MAX_BATCH) int maxBatch,
        @DefaultValue("true") boolean batching,
        @DefaultValue("2ms") @NotNull @DurationMin(millis = 0) @DurationMax(seconds = 1) Duration batchWindow,
        @DefaultValue("30s") @NotNull @DurationMin(millis = 1) @DurationMax(minutes = 10) Duration defaultDeadline,
        @DefaultValue("1s") @NotNull @DurationMin(millis = 0) @DurationMax(hours = 1) Duration retryAfter,
        @DefaultValue("30s") @NotNull @DurationMin(millis = 0) @DurationMax(minutes = 10) Duration shutdownTimeout,
        @DefaultValue("0ms") @NotNull @DurationMin(millis = 0) @DurationMax(minutes = 10) Duration maxQueueWait,
        @DefaultValue("-1") @Min(-1) @Max(MAX_QUEUE_CAPACITY) int maxInFlight) {

    /** Upper limit of {@code concurrency}. */
    public static final int MAX_CONCURRENCY = 64;
    /** Upper limit of {@code queue-capacity}. */
    public static final int MAX_QUEUE_CAPACITY = 100_000;
    /** Upper limit of {@code max-batch}. */
    public static final int MAX_BATCH = 4096;
    /** Upper limit of {@code batch-window}. */
    public static final Duration MAX_BATCH_WINDOW = Duration.ofSeconds(1);
    /** Upper limit of {@code default-deadline}. */
    public static final Duration MAX_DEADLINE = Duration.ofMinutes(10);
    /** Upper limit of {@code retry-after}. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
    /** Upper limit of {@code shutdown-timeout}. */
    public static final Duration MAX_SHUTDOWN_TIMEOUT = Duration.ofMinutes(10);

    /**
     * Re-checks the documented limits for instances built in code (binding already validated them through the
     * annotations).
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    void checkLimits() {
        checkRange("concurrency", concurrency, 1, MAX_CONCURRENCY);
        checkRange("queue-capacity", queueCapacity, 1, MAX_QUEUE_CAPACITY);
        checkRange("max-batch", maxBatch, 1, MAX_BATCH);
        checkRange("batch-window", batchWindow, Duration.ZERO, MAX_BATCH_WINDOW);
        checkRange("default-deadline", defaultDeadline, Duration.ofMillis(1), MAX_DEADLINE);
        checkRange("retry-after", retryAfter, Duration.ZERO, MAX_RETRY_AFTER);
        checkRange("shutdown-timeout", shutdownTimeout, Duration.ZERO, MAX_SHUTDOWN_TIMEOUT);
        checkRange("max-queue-wait", maxQueueWait, Duration.ZERO, MAX_DEADLINE);
        checkRange("max-in-flight", maxInFlight, -1, MAX_QUEUE_CAPACITY);
    }

    /** {@code max-in-flight} with auto (-1) resolved: one per available core, at least 2; 0 = off. */
    public int effectiveMaxInFlight() {
        return maxInFlight >= 0 ? maxInFlight : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    private static void checkRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    "salience.pool." + name + " must be in " + min + ".." + max + " but is " + value);
        }
    }

    private static void checkRange(String name, Duration value, Duration min, Duration max) {
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    "salience.pool." + name + " must be in " + min + ".." + max + " but is " + value);
        }
    }
}
