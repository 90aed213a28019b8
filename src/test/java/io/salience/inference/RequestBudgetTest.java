package io.salience.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.imaging.ImageDecoder;
import io.salience.testing.HostileImages;
import io.salience.testing.PoolSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One budget per admitted request: one deadline over every pool call and the decode, and one cap on the rows all its
 * pool calls may submit.
 */
class RequestBudgetTest {

    private static final BatchKey KEY = new BatchKey("m", "g");

    private final InferencePool pool = new InferencePool(
            PoolSettings.defaults().withConcurrency(1).withBatching(false).build(), new SimpleMeterRegistry());

    /** Takes 300 ms per batch. */
    private final BatchRunner<Integer, Integer> slow = (key, rows) -> {
        Thread.sleep(300);
        return rows;
    };

    @AfterEach
    void close() {
        pool.shutdown(Duration.ofSeconds(1));
    }

    @Test
    void oneDeadlineCoversEveryPoolCallOfARequest() {
        pool.call(KEY, List.of(0), (key, rows) -> rows); // warm up
        long t0;
        try (InferencePool.Admission ignored = pool.admit()) {
            t0 = System.nanoTime();
            pool.limitRequest(Duration.ofMillis(500), 0);
            // each call on its own would fit in 500 ms; together they do not
            assertThat(pool.call(KEY, List.of(1), slow, Duration.ofMillis(500))).containsExactly(1);
            assertThatThrownBy(() -> pool.call(KEY, List.of(2), slow, Duration.ofMillis(500)))
                    .isInstanceOf(PoolRejectedException.class)
                    .extracting(e -> ((PoolRejectedException) e).reason())
                    .isEqualTo(PoolRejectedException.Reason.DEADLINE);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("two 300 ms pool calls under one 500 ms budget: the second failed at %d ms%n", ms);
        // generous: the shared test machine runs at load averages over 10 (without the budget the second call succeeds)
        assertThat(ms).as("the request ended near its one deadline").isLessThan(2000);
    }

    @Test
    void theRowsOfAllPoolCallsOfARequestAreCapped() {
        BatchRunner<Integer, Integer> echo = (key, rows) -> rows;
        try (InferencePool.Admission ignored = pool.admit()) {
            pool.limitRequest(null, 5);
            assertThat(pool.call(KEY, List.of(1, 2, 3), echo)).hasSize(3);
            assertThatThrownBy(() -> pool.call(KEY, List.of(4, 5, 6), echo))
                    .isInstanceOf(WorkLimitException.class)
                    .hasMessageContaining("cap of 5");
        }
    }

    @Test
    void aDecodeEndsAtTheRequestsDeadline() {
        // a scan bomb the decoder is allowed to decode: it runs for seconds
        ImageDecoder lenient = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, 100_000, 256);
        byte[] slowJpeg = HostileImages.scanBomb(HostileImages.jpeg(256, 256, 1, true), 3000);
        try (DecodePool decodes = new DecodePool(lenient, pool, 1, 4);
                InferencePool.Admission ignored = pool.admit()) {
            pool.limitRequest(Duration.ofMillis(300), 0);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> decodes.decode(slowJpeg, Long.MAX_VALUE))
                    .isInstanceOf(PoolRejectedException.class)
                    .extracting(e -> ((PoolRejectedException) e).reason())
                    .isEqualTo(PoolRejectedException.Reason.DEADLINE);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("slow decode of %d KB stopped at the deadline after %d ms%n", slowJpeg.length / 1024, ms);
            assertThat(ms).isBetween(250L, 1000L);
        }
    }

    @Test
    void withoutAnAdmissionNothingIsLimited() {
        pool.limitRequest(Duration.ofMillis(1), 1);
        assertThat(pool.call(KEY, List.of(1, 2), (key, rows) -> rows)).hasSize(2);
        assertThat(pool.remainingNanos()).isEqualTo(Duration.ofSeconds(30).toNanos());
    }
}
