package io.salience.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link InferencePool#checkAdmission()}: the fail-fast check done before an upload is read. */
class AdmissionCheckTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void rejectsWhenTheQueueIsFullAndAdmitsAgainWhenItDrains() throws Exception {
        PoolProperties props = PoolProperties.defaults()
                .withConcurrency(1)
                .withQueueCapacity(1)
                .withBatching(false);
        try (InferencePool pool = new InferencePool(props, registry)) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            BatchRunner<Integer, Integer> blocking = (key, rows) -> {
                running.countDown();
                release.await(10, TimeUnit.SECONDS);
                return rows;
            };
            BatchKey key = new BatchKey("m", "g");
            pool.checkAdmission(); // empty pool admits
            var first = pool.submit(key, List.of(1), blocking);
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            var second = pool.submit(key, List.of(2), blocking); // waits in the one queue place

            assertThatThrownBy(pool::checkAdmission)
                    .isInstanceOfSatisfying(PoolRejectedException.class, e -> assertThat(e.reason())
                            .isEqualTo(PoolRejectedException.Reason.QUEUE_FULL));
            assertThat(registry.get("salience.rejected")
                            .tag("reason", "queue_full")
                            .tag("phase", "submit")
                            .counter()
                            .count())
                    .isEqualTo(1.0);

            release.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly(1);
            assertThat(second.get(5, TimeUnit.SECONDS)).containsExactly(2);
            pool.checkAdmission(); // drained: admits again
        }
    }

    @Test
    void rejectsOnceShutdownStarted() {
        InferencePool pool = new InferencePool(PoolProperties.defaults(), registry);
        pool.shutdown(Duration.ofSeconds(1));
        assertThatThrownBy(pool::checkAdmission)
                .isInstanceOfSatisfying(PoolRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(PoolRejectedException.Reason.SHUTTING_DOWN));
    }
}
