package io.salience.testing;

import io.salience.inference.PoolProperties;
import java.time.Duration;

/** Pool properties built in tests: the bound defaults, changed one field at a time. */
public final class PoolSettings {

    private int concurrency = 1;
    private int queueCapacity = 64;
    private int maxBatch = 64;
    private boolean batching = true;
    private Duration batchWindow = Duration.ofMillis(2);
    private Duration defaultDeadline = Duration.ofSeconds(30);
    private Duration retryAfter = Duration.ofSeconds(1);
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private Duration maxQueueWait = Duration.ZERO;
    /** 0 (off), unlike the bound default -1 (auto: one per core), so that unit tests are not limited by the machine. */
    private int maxInFlight = 0;

    private PoolSettings() {}

    /** The defaults, as bound from an empty configuration, except {@code max-in-flight} (off here). */
    public static PoolSettings defaults() {
        return new PoolSettings();
    }

    public PoolSettings withConcurrency(int value) {
        concurrency = value;
        return this;
    }

    public PoolSettings withQueueCapacity(int value) {
        queueCapacity = value;
        return this;
    }

    public PoolSettings withMaxBatch(int value) {
        maxBatch = value;
        return this;
    }

    public PoolSettings withBatching(boolean value) {
        batching = value;
        return this;
    }

    public PoolSettings withBatchWindow(Duration value) {
        batchWindow = value;
        return this;
    }

    public PoolSettings withDefaultDeadline(Duration value) {
        defaultDeadline = value;
        return this;
    }

    public PoolSettings withRetryAfter(Duration value) {
        retryAfter = value;
        return this;
    }

    public PoolSettings withShutdownTimeout(Duration value) {
        shutdownTimeout = value;
        return this;
    }

    public PoolSettings withMaxQueueWait(Duration value) {
        maxQueueWait = value;
        return this;
    }

    public PoolSettings withMaxInFlight(int value) {
        maxInFlight = value;
        return this;
    }

    public PoolProperties build() {
        return new PoolProperties(
                concurrency,
                queueCapacity,
                maxBatch,
                batching,
                batchWindow,
                defaultDeadline,
                retryAfter,
                shutdownTimeout,
                maxQueueWait,
                maxInFlight);
    }
}
