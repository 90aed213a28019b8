package io.salience.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.testing.PoolSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link InferencePool#admit()}: the per-HTTP-request admission taken before an upload is read. */
class AdmissionTest {

    private static final BatchKey KEY = new BatchKey("m", "g");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch running = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final BatchRunner<Integer, Integer> blocking = (key, rows) -> {
        running.countDown();
        release.await(10, TimeUnit.SECONDS);
        return rows;
    };

    @AfterEach
    void stopThreads() {
        release.countDown();
        threads.shutdownNow();
    }

    private static PoolProperties oneSlot() {
        return PoolSettings.defaults()
                .withConcurrency(1)
                .withQueueCapacity(1)
                .withBatching(false)
                .build();
    }

    /** An admission taken by a fresh thread (a thread holds at most one). */
    private static InferencePool.Admission admitOnAnotherThread(InferencePool pool) throws Exception {
        FutureTask<InferencePool.Admission> task = new FutureTask<>(pool::admit);
        new Thread(task).start();
        return task.get(5, TimeUnit.SECONDS);
    }

    /** On another thread: admit, count down {@code admitted}, wait for {@code go}, then call with one row. */
    private Future<List<Integer>> admittedCall(
            InferencePool pool,
            CountDownLatch admitted,
            CountDownLatch go,
            int row,
            BatchRunner<Integer, Integer> runner) {
        return threads.submit(() -> {
            try (InferencePool.Admission ignored = pool.admit()) {
                admitted.countDown();
                go.await(5, TimeUnit.SECONDS);
                return pool.call(KEY, List.of(row), runner);
            }
        });
    }

    private double rejectedQueueFull() {
        return registry.get("salience.rejected")
                .tag("reason", "queue_full")
                .tag("phase", "submit")
                .counter()
                .count();
    }

    @Test
    void rejectsWhenTheQueueIsFullAndAdmitsAgainWhenItDrains() throws Exception {
        try (InferencePool pool = new InferencePool(oneSlot(), registry)) {
            pool.admit().close(); // empty pool admits
            var first = pool.submit(KEY, List.of(1), blocking);
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            var second = pool.submit(KEY, List.of(2), blocking); // waits in the one queue place

            assertThatThrownBy(pool::admit)
                    .isInstanceOfSatisfying(PoolRejectedException.class, e -> assertThat(e.reason())
                            .isEqualTo(PoolRejectedException.Reason.QUEUE_FULL));
            assertThat(rejectedQueueFull()).isEqualTo(1.0);

            release.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly(1);
            assertThat(second.get(5, TimeUnit.SECONDS)).containsExactly(2);
            pool.admit().close(); // drained: admits again
        }
    }

    @Test
    void maxInFlightCountsOpenAdmissions() throws Exception {
        try (InferencePool pool =
                new InferencePool(PoolSettings.defaults().withMaxInFlight(2).build(), registry)) {
            InferencePool.Admission a = admitOnAnotherThread(pool);
            InferencePool.Admission b = admitOnAnotherThread(pool);
            assertThat(registry.get("salience.requests.in.flight").gauge().value())
                    .isEqualTo(2.0);

            assertThatThrownBy(pool::admit).isInstanceOfSatisfying(PoolRejectedException.class, e -> {
                assertThat(e.reason()).isEqualTo(PoolRejectedException.Reason.QUEUE_FULL);
                assertThat(e.getMessage()).contains("max-in-flight 2");
            });
            assertThat(rejectedQueueFull()).isEqualTo(1.0);

            a.close();
            a.close(); // idempotent: must not free a second place
            try (InferencePool.Admission c = pool.admit()) {
                assertThat(c).isNotNull();
                assertThatThrownBy(() -> admitOnAnotherThread(pool)).hasCauseInstanceOf(PoolRejectedException.class);
            }
            b.close();
            assertThat(registry.get("salience.requests.in.flight").gauge().value())
                    .isEqualTo(0.0);
        }
    }

    @Test
    void oneAdmissionPerThread() {
        try (InferencePool pool = new InferencePool(PoolSettings.defaults().build(), registry);
                InferencePool.Admission a = pool.admit()) {
            assertThat(a).isNotNull();
            assertThatThrownBy(pool::admit).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void anAdmittedRequestsLaterCallIsAcceptedWhenTheQueueHasFilledMeanwhile() throws Exception {
        try (InferencePool pool = new InferencePool(oneSlot(), registry)) {
            CountDownLatch admitted = new CountDownLatch(1);
            CountDownLatch queueFull = new CountDownLatch(1);
            Future<List<Integer>> request = admittedCall(pool, admitted, queueFull, 4, blocking);
            assertThat(admitted.await(5, TimeUnit.SECONDS)).isTrue();
            var first = pool.submit(KEY, List.of(1), blocking);
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            var second = pool.submit(KEY, List.of(2), blocking);
            assertThatThrownBy(() -> pool.submit(KEY, List.of(3), blocking)).isInstanceOf(PoolRejectedException.class);
            queueFull.countDown();

            release.countDown();
            assertThat(request.get(5, TimeUnit.SECONDS)).containsExactly(4);
            assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly(1);
            assertThat(second.get(5, TimeUnit.SECONDS)).containsExactly(2);
        }
    }

    @Test
    void aLoneAdmittedRequestSkipsTheBatchWindow() throws Exception {
        PoolProperties props =
                PoolSettings.defaults().withBatchWindow(Duration.ofMillis(800)).build();
        try (InferencePool pool = new InferencePool(props, registry)) {
            long t0 = System.nanoTime();
            assertThat(pool.call(KEY, List.of(1), (key, rows) -> rows)).containsExactly(1);
            long plainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(plainMs).as("no admission: the window is waited out").isGreaterThanOrEqualTo(700);

            long t1 = System.nanoTime();
            try (InferencePool.Admission ignored = pool.admit()) {
                assertThat(pool.call(KEY, List.of(2), (key, rows) -> rows)).containsExactly(2);
            }
            long admittedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
            assertThat(admittedMs)
                    .as("the only admitted request: nothing can join")
                    .isLessThan(400);
        }
    }

    @Test
    void theBatchWindowStillWaitsForAnAdmittedRequestThatHasNotSubmittedYet() throws Exception {
        PoolProperties props =
                PoolSettings.defaults().withBatchWindow(Duration.ofMillis(800)).build();
        List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        BatchRunner<Integer, Integer> recording = (key, rows) -> {
            batchSizes.add(rows.size());
            return rows;
        };
        try (InferencePool pool = new InferencePool(props, registry)) {
            CountDownLatch laterAdmitted = new CountDownLatch(1);
            CountDownLatch go = new CountDownLatch(1);
            Future<List<Integer>> later = admittedCall(pool, laterAdmitted, go, 20, recording);
            assertThat(laterAdmitted.await(5, TimeUnit.SECONDS)).isTrue();
            Future<List<Integer>> first =
                    admittedCall(pool, new CountDownLatch(1), new CountDownLatch(0), 10, recording);
            Thread.sleep(150);
            go.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly(10);
            assertThat(later.get(5, TimeUnit.SECONDS)).containsExactly(20);
            assertThat(batchSizes).as("both rows in one batch").containsExactly(2);
        }
    }

    @Test
    void shutdownLetsOpenAdmissionsFinishTheirWork() throws Exception {
        InferencePool pool = new InferencePool(PoolSettings.defaults().build(), registry);
        CountDownLatch admitted = new CountDownLatch(1);
        CountDownLatch shuttingDown = new CountDownLatch(1);
        Future<List<Integer>> request = admittedCall(pool, admitted, shuttingDown, 7, (key, rows) -> rows);
        assertThat(admitted.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> shutdown =
                CompletableFuture.supplyAsync(() -> pool.shutdown(Duration.ofSeconds(10)), threads);
        while (pool.isAcceptingWork()) {
            Thread.onSpinWait();
        }
        assertThatThrownBy(pool::admit).isInstanceOfSatisfying(PoolRejectedException.class, e -> assertThat(e.reason())
                .isEqualTo(PoolRejectedException.Reason.SHUTTING_DOWN));
        assertThatThrownBy(() -> pool.submit(KEY, List.of(8), (key, rows) -> rows))
                .isInstanceOf(PoolRejectedException.class);
        assertThat(shutdown).isNotDone();

        shuttingDown.countDown();
        assertThat(request.get(5, TimeUnit.SECONDS)).containsExactly(7);
        assertThat(shutdown.get(5, TimeUnit.SECONDS)).isTrue();
    }
}
