package io.salience.inference;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness of the inference pool (health contributor {@code pool}, in the readiness group): UP while the pool admits
 * work, DOWN from the moment its shutdown starts. Details: queue depth and capacity, batches running, concurrency.
 */
@Component("pool")
public class PoolHealthIndicator implements HealthIndicator {

    private final InferencePool pool;

    /**
     * Creates the indicator.
     *
     * @param pool the pool
     */
    public PoolHealthIndicator(InferencePool pool) {
        this.pool = pool;
    }

    @Override
    public Health health() {
        PoolProperties p = pool.properties();
        Health.Builder builder =
                pool.isAcceptingWork() ? Health.up() : Health.down().withDetail("state", "shutting down");
        return builder.withDetail("queueDepth", pool.queueDepth())
                .withDetail("queueCapacity", p.queueCapacity())
                .withDetail("inflight", pool.inflight())
                .withDetail("concurrency", p.concurrency())
                .withDetail("batching", p.batching())
                .build();
    }
}
