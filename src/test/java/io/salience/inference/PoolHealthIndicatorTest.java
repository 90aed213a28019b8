package io.salience.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.testing.PoolSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The pool's readiness contributor: UP while admitting, DOWN as soon as shutdown starts. */
class PoolHealthIndicatorTest {

    @Test
    void upWhileAcceptingDownOnceShutdownStarts() {
        InferencePool pool = new InferencePool(
                PoolSettings.defaults().withQueueCapacity(7).withConcurrency(2).build(), new SimpleMeterRegistry());
        PoolHealthIndicator indicator = new PoolHealthIndicator(pool);
        try {
            Health up = indicator.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails())
                    .containsEntry("queueDepth", 0)
                    .containsEntry("queueCapacity", 7)
                    .containsEntry("inflight", 0)
                    .containsEntry("concurrency", 2)
                    .containsEntry("batching", true);
        } finally {
            pool.shutdown(Duration.ZERO);
        }
        Health down = indicator.health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails()).containsEntry("state", "shutting down");
    }

    @Test
    void downWhileAdmittedWorkStillDrains() throws Exception {
        InferencePool pool = new InferencePool(PoolSettings.defaults().build(), new SimpleMeterRegistry());
        PoolHealthIndicator indicator = new PoolHealthIndicator(pool);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BatchKey key = new BatchKey("m", "g");
        var admitted = pool.submit(key, List.of(1), (k, rows) -> {
            running.countDown();
            release.await();
            return rows;
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        Thread stopper = new Thread(() -> pool.shutdown(Duration.ofSeconds(10)));
        stopper.start();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (pool.isAcceptingWork() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(admitted).isNotDone();
        release.countDown();
        assertThat(admitted.get(10, TimeUnit.SECONDS)).containsExactly(1);
        stopper.join(10_000);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
    }
}
