package io.salience.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.salience.inference.PoolRejectedException.Reason;
import io.salience.testing.PoolSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InferencePoolTest {

    private static final BatchKey BLOCK = new BatchKey("m", "block");
    private static final BatchKey A = new BatchKey("m", "predict");
    private static final BatchKey B = new BatchKey("m", "input-gradient:guided");
    private static final BatchKey C = new BatchKey("other", "predict");
    private static final BatchKey BAD = new BatchKey("bad", "predict");
    private static final long WAIT_S = 5;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Recorder runner = new Recorder();
    private final List<InferencePool> pools = new ArrayList<>();

    @AfterEach
    void tearDown() {
        runner.release.countDown();
        pools.forEach(p -> p.shutdown(Duration.ofSeconds(2)));
    }

    // ------------------------------------------------------------------ basics, ordering, batching

    @Test
    void returnsOneOutputPerRowInOrder() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().build());
        List<Integer> out = pool.submit(A, rows(0, 10), runner).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(out).containsExactly(0, 10, 20, 30, 40, 50, 60, 70, 80, 90);
        assertThat(pool.call(A, List.of(7, 3), runner)).containsExactly(70, 30);
        assertThat(pool.call(A, List.<Integer>of(), runner)).isEmpty();
        assertThat(runner.calls).hasSize(2);
    }

    /**
     * A request whose deadline has passed when a worker takes it is rejected by that worker; the rejection must reach
     * the caller at once, not when the next request wakes the idle worker (found by Schemathesis with timeoutMs=1:
     * about 1 in 150 such requests hung).
     */
    @Test
    void aRequestRejectedByAWorkerForItsDeadlineIsAnsweredAtOnce() throws Exception {
        InferencePool pool =
                pool(PoolSettings.defaults().withBatchWindow(Duration.ZERO).build());
        int hung = 0;
        for (int i = 0; i < 60; i++) {
            CompletableFuture<List<Integer>> f = pool.submit(A, rows(i, 1), runner, Duration.ofNanos(1_000));
            try {
                f.get(150, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(PoolRejectedException.class);
            } catch (java.util.concurrent.TimeoutException e) {
                hung++;
                f.cancel(false);
            }
        }
        assertThat(hung).as("requests left waiting after their deadline").isZero();
    }

    @Test
    void withoutBatchingRunsRequestsOneByOneInFifoOrder() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().withBatching(false).build());
        blockWorker(pool);
        List<BatchKey> keys = List.of(A, B, A, C, B, A, A, C);
        List<CompletableFuture<List<Integer>>> futures = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            futures.add(pool.submit(keys.get(i), rows(100 * i, 2), runner));
        }
        runner.release.countDown();
        for (int i = 0; i < keys.size(); i++) {
            assertThat(futures.get(i).get(WAIT_S, TimeUnit.SECONDS)).containsExactly(1000 * i, 1000 * i + 10);
        }
        List<Call> calls = runner.callsExceptBlock();
        assertThat(calls).extracting(Call::key).containsExactlyElementsOf(keys);
        for (int i = 0; i < keys.size(); i++) {
            assertThat(calls.get(i).rows()).containsExactly(100 * i, 100 * i + 1);
        }
        // batching off stays measurable: every run holds one request
        assertThat(registry.get("salience.batch.size").summary().max()).isEqualTo(2.0);
    }

    @Test
    void batchingMergesSameKeyInFifoOrderOfKeysAndNeverMixesKeys() throws Exception {
        InferencePool pool =
                pool(PoolSettings.defaults().withBatchWindow(Duration.ZERO).build());
        blockWorker(pool);
        // interleaved: A0 B0 A1 C0 B1 A2  -> runs: A(A0,A1,A2), B(B0,B1), C(C0)
        List<BatchKey> keys = List.of(A, B, A, C, B, A);
        List<CompletableFuture<List<Integer>>> futures = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            futures.add(pool.submit(keys.get(i), rows(100 * i, 3), runner));
        }
        runner.release.countDown();
        for (int i = 0; i < keys.size(); i++) {
            int base = 100 * i;
            assertThat(futures.get(i).get(WAIT_S, TimeUnit.SECONDS))
                    .as("request %d gets exactly its own rows back", i)
                    .containsExactly(base * 10, (base + 1) * 10, (base + 2) * 10);
        }
        List<Call> calls = runner.callsExceptBlock();
        assertThat(calls).extracting(Call::key).containsExactly(A, B, C);
        assertThat(calls.get(0).rows()).containsExactly(0, 1, 2, 200, 201, 202, 500, 501, 502);
        assertThat(calls.get(1).rows()).containsExactly(100, 101, 102, 400, 401, 402);
        assertThat(calls.get(2).rows()).containsExactly(300, 301, 302);
    }

    /** Background rows (jobs) wait behind every interactive request, and fill a batch only after its own rows. */
    @Test
    void interactiveRequestsAreServedBeforeQueuedBackgroundRows() throws Exception {
        InferencePool pool =
                pool(PoolSettings.defaults().withBatchWindow(Duration.ZERO).build());
        blockWorker(pool);
        List<CompletableFuture<List<Integer>>> background = new ArrayList<>();
        BackgroundPriority.bind();
        try {
            background.add(pool.submit(A, rows(0, 2), runner)); // oldest, key A
            background.add(pool.submit(C, rows(100, 2), runner)); // key C
        } finally {
            BackgroundPriority.clear();
        }
        CompletableFuture<List<Integer>> interactiveB = pool.submit(B, rows(200, 2), runner);
        CompletableFuture<List<Integer>> interactiveA = pool.submit(A, rows(300, 2), runner);
        runner.release.countDown();
        assertThat(interactiveB.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(2000, 2010);
        assertThat(interactiveA.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(3000, 3010);
        assertThat(background.get(0).get(WAIT_S, TimeUnit.SECONDS)).containsExactly(0, 10);
        assertThat(background.get(1).get(WAIT_S, TimeUnit.SECONDS)).containsExactly(1000, 1010);
        List<Call> calls = runner.callsExceptBlock();
        // B (interactive) first although both background requests are older; A's batch takes the interactive rows
        // first and the older background rows of the same key into its free room; background C last
        assertThat(calls).extracting(Call::key).containsExactly(B, A, C);
        assertThat(calls.get(1).rows()).containsExactly(300, 301, 0, 1);
    }

    @Test
    void backgroundRowsNeverTakeTheRoomOfInteractiveRowsInABatch() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults()
                .withBatchWindow(Duration.ZERO)
                .withMaxBatch(4)
                .build());
        blockWorker(pool);
        BackgroundPriority.bind();
        CompletableFuture<List<Integer>> background;
        try {
            background = pool.submit(A, rows(0, 4), runner);
        } finally {
            BackgroundPriority.clear();
        }
        CompletableFuture<List<Integer>> first = pool.submit(A, rows(100, 2), runner);
        CompletableFuture<List<Integer>> second = pool.submit(A, rows(200, 2), runner);
        runner.release.countDown();
        first.get(WAIT_S, TimeUnit.SECONDS);
        second.get(WAIT_S, TimeUnit.SECONDS);
        background.get(WAIT_S, TimeUnit.SECONDS);
        List<Call> calls = runner.callsExceptBlock();
        assertThat(calls.get(0).rows()).containsExactly(100, 101, 200, 201);
        assertThat(calls.get(1).rows()).containsExactly(0, 1, 2, 3);
    }

    /** Background work is bounded by the job store, not by queue-capacity, and does not use up interactive room. */
    @Test
    void backgroundWorkIsNotCountedByTheInteractiveQueueCapacity() throws Exception {
        InferencePool pool = pool(
                PoolSettings.defaults().withQueueCapacity(1).withBatching(false).build());
        blockWorker(pool);
        List<CompletableFuture<List<Integer>>> background = new ArrayList<>();
        BackgroundPriority.bind();
        try {
            for (int i = 0; i < 3; i++) {
                background.add(pool.submit(A, rows(10 * i, 1), runner));
            }
        } finally {
            BackgroundPriority.clear();
        }
        CompletableFuture<List<Integer>> interactive = pool.submit(B, rows(500, 1), runner);
        assertThatThrownBy(() -> pool.submit(B, rows(600, 1), runner))
                .isInstanceOfSatisfying(
                        PoolRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.QUEUE_FULL));
        assertThat(pool.queueDepth()).isEqualTo(4);
        runner.release.countDown();
        assertThat(interactive.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(5000);
        for (CompletableFuture<List<Integer>> f : background) {
            f.get(WAIT_S, TimeUnit.SECONDS);
        }
        assertThat(runner.callsExceptBlock()).extracting(Call::key).containsExactly(B, A, A, A);
    }

    @Test
    void concurrentSameKeyRequestsAreMergedAndEachCallerGetsItsOwnRows() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().withConcurrency(2).build());
        blockWorker(pool);
        blockWorker(pool); // both workers busy
        int callers = 16;
        ExecutorService executor = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch submitted = new CountDownLatch(callers);
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int base = 1000 * c;
                BatchKey key = c % 2 == 0 ? A : B;
                results.add(executor.submit(() -> {
                    CompletableFuture<List<Integer>> f = pool.submit(key, rows(base, 3), runner);
                    submitted.countDown();
                    return f.get(WAIT_S, TimeUnit.SECONDS);
                }));
            }
            assertThat(submitted.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            runner.release.countDown();
            for (int c = 0; c < callers; c++) {
                int base = 1000 * c;
                assertThat(results.get(c).get(WAIT_S, TimeUnit.SECONDS))
                        .containsExactly(base * 10, (base + 1) * 10, (base + 2) * 10);
            }
        } finally {
            executor.shutdownNow();
        }
        List<Call> calls = runner.callsExceptBlock();
        // 8 requests x 3 rows per key fit in one batch of 64: one run per key
        assertThat(calls).hasSize(2);
        for (Call call : calls) {
            int parity = call.key().equals(A) ? 0 : 1;
            assertThat(call.rows()).hasSize(24).allMatch(row -> (row / 1000) % 2 == parity);
        }
    }

    @Test
    void splitsLargeRequestsIntoChunksOfMaxBatch() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().withMaxBatch(4).build());
        blockWorker(pool);
        CompletableFuture<List<Integer>> big = pool.submit(A, rows(0, 10), runner);
        CompletableFuture<List<Integer>> small1 = pool.submit(B, rows(100, 3), runner);
        CompletableFuture<List<Integer>> small2 = pool.submit(B, rows(200, 3), runner);
        runner.release.countDown();
        assertThat(big.get(WAIT_S, TimeUnit.SECONDS))
                .containsExactlyElementsOf(rows(0, 10).stream().map(r -> r * 10).toList());
        assertThat(small1.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(1000, 1010, 1020);
        assertThat(small2.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(2000, 2010, 2020);
        List<Call> calls = runner.callsExceptBlock();
        assertThat(calls).extracting(c -> c.rows().size()).allMatch(size -> size <= 4);
        assertThat(calls)
                .extracting(Call::rows)
                .containsExactly(
                        List.of(0, 1, 2, 3),
                        List.of(4, 5, 6, 7),
                        List.of(8, 9),
                        List.of(100, 101, 102, 200),
                        List.of(201, 202));
    }

    @Test
    void aWholeRequestIsNeverSplitAndWaitsForABatchWithRoom() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().withMaxBatch(4).build());
        blockWorker(pool);
        CompletableFuture<List<Integer>> small = pool.submit(A, rows(0, 3), runner);
        // split as usual, it would fill the batch's last row; whole, it runs in the next batch, all together
        CompletableFuture<List<Integer>> whole = pool.submit(A, rows(100, 3), runner, null, true);
        CompletableFuture<List<Integer>> after = pool.submit(A, rows(200, 1), runner);
        runner.release.countDown();
        assertThat(small.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(0, 10, 20);
        assertThat(whole.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(1000, 1010, 1020);
        assertThat(after.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(2000);
        assertThat(runner.callsExceptBlock())
                .extracting(Call::rows)
                .containsExactly(List.of(0, 1, 2, 200), List.of(100, 101, 102));
        assertThatThrownBy(() -> pool.submit(A, rows(0, 5), runner, null, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max-batch");
    }

    @Test
    void largeRequestChunksRunInParallelAndComeBackInOrder() throws Exception {
        InferencePool pool =
                pool(PoolSettings.defaults().withConcurrency(4).withMaxBatch(8).build());
        List<Integer> rows = rows(0, 256); // e.g. integrated-gradient steps
        List<Integer> out = pool.call(A, rows, runner);
        assertThat(out).containsExactlyElementsOf(rows.stream().map(r -> r * 10).toList());
        assertThat(runner.calls).hasSize(32).allMatch(c -> c.rows().size() == 8);
    }

    @Test
    void batchWindowWaitsForMoreRowsOfTheSameKey() throws Exception {
        InferencePool pool = pool(
                PoolSettings.defaults().withBatchWindow(Duration.ofMillis(300)).build());
        CompletableFuture<List<Integer>> first = pool.submit(A, List.of(1), runner);
        awaitTrue(() -> pool.queueDepth() == 0); // a worker took it and is collecting
        CompletableFuture<List<Integer>> second = pool.submit(A, List.of(2), runner);
        assertThat(first.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(10);
        assertThat(second.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(20);
        assertThat(runner.calls).extracting(Call::rows).containsExactly(List.of(1, 2));
    }

    @Test
    void fullBatchDoesNotWaitForTheWindow() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults()
                .withMaxBatch(2)
                .withBatchWindow(Duration.ofSeconds(1))
                .withDefaultDeadline(Duration.ofMinutes(1))
                .build());
        long start = System.nanoTime();
        CompletableFuture<List<Integer>> first = pool.submit(A, List.of(1), runner);
        CompletableFuture<List<Integer>> second = pool.submit(A, List.of(2), runner);
        assertThat(first.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(10);
        assertThat(second.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(20);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
        assertThat(runner.calls).extracting(Call::rows).containsExactly(List.of(1, 2));
    }

    @Test
    void withoutWindowARunningRequestIsNotJoinedLater() throws Exception {
        InferencePool pool =
                pool(PoolSettings.defaults().withBatchWindow(Duration.ZERO).build());
        CompletableFuture<List<Integer>> first = pool.submit(A, List.of(1), runner);
        awaitTrue(() -> pool.queueDepth() == 0);
        CompletableFuture<List<Integer>> second = pool.submit(A, List.of(2), runner);
        first.get(WAIT_S, TimeUnit.SECONDS);
        second.get(WAIT_S, TimeUnit.SECONDS);
        assertThat(runner.calls).extracting(Call::rows).containsExactly(List.of(1), List.of(2));
    }

    // ------------------------------------------------------------------ deadline, cancellation, rejection

    @Test
    void requestWhoseDeadlinePassesWhileWaitingFailsAtOnceAndNeverRuns() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().build());
        blockWorker(pool);
        CompletableFuture<List<Integer>> late = pool.submit(A, List.of(42, 43), runner, Duration.ofMillis(50));
        // fails while the worker is still blocked: the deadline does not wait for a worker
        assertThatThrownBy(() -> late.get(WAIT_S, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(
                        PoolRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DEADLINE));
        assertThat(pool.queueDepth()).isZero();
        runner.release.countDown();
        assertThat(pool.call(A, List.of(1), runner)).containsExactly(10);
        assertThat(runner.seenRows()).doesNotContain(42, 43);
        assertThat(rejected("deadline", "admitted")).isEqualTo(1.0);
    }

    @Test
    void callMapsDeadlineToPoolRejectedException() {
        InferencePool pool = pool(PoolSettings.defaults()
                .withDefaultDeadline(Duration.ofMillis(200))
                .build());
        blockWorker(pool);
        assertThatThrownBy(() -> pool.call(A, List.of(42), runner))
                .isInstanceOfSatisfying(PoolRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.DEADLINE);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1));
                });
        // a longer per-request deadline is capped at default-deadline
        assertThatThrownBy(() -> pool.call(A, List.of(43), runner, Duration.ofMinutes(5)))
                .isInstanceOf(PoolRejectedException.class);
        runner.release.countDown();
        assertThat(pool.call(A, List.of(1), runner, Duration.ofSeconds(5))).containsExactly(10);
        assertThat(runner.seenRows()).doesNotContain(42, 43);
    }

    @Test
    void cancelledRequestIsNeverRun() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().build());
        blockWorker(pool);
        CompletableFuture<List<Integer>> cancelled = pool.submit(A, List.of(42, 43), runner);
        CompletableFuture<List<Integer>> kept = pool.submit(A, List.of(5), runner);
        assertThat(pool.queueDepth()).isEqualTo(2);
        assertThat(cancelled.cancel(true)).isTrue();
        assertThat(pool.queueDepth()).isEqualTo(1);
        runner.release.countDown();
        assertThat(kept.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(50);
        assertThat(runner.seenRows()).doesNotContain(42, 43);
        assertThat(rejected("cancelled", "admitted")).isEqualTo(1.0);
    }

    @Test
    void interruptedCallCancelsItsWork() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().build());
        blockWorker(pool);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean interruptFlag = new AtomicBoolean();
        Thread caller = new Thread(() -> {
            try {
                pool.call(A, List.of(42), runner);
            } catch (PoolRejectedException e) {
                thrown.set(e);
                interruptFlag.set(Thread.currentThread().isInterrupted());
            }
        });
        caller.start();
        awaitTrue(() -> pool.queueDepth() == 1);
        caller.interrupt();
        caller.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        assertThat(thrown.get()).isInstanceOfSatisfying(PoolRejectedException.class, e -> assertThat(e.reason())
                .isEqualTo(Reason.CANCELLED));
        assertThat(interruptFlag).isTrue();
        assertThat(pool.queueDepth()).isZero();
        runner.release.countDown();
        assertThat(pool.call(A, List.of(1), runner)).containsExactly(10);
        assertThat(runner.seenRows()).doesNotContain(42);
    }

    @Test
    void rejectsAtOnceWhenQueueIsFull() {
        InferencePool pool = pool(PoolSettings.defaults()
                .withQueueCapacity(2)
                .withRetryAfter(Duration.ofSeconds(7))
                .build());
        blockWorker(pool); // running, not waiting
        pool.submit(A, List.of(1), runner);
        pool.submit(B, List.of(2), runner);
        long fastestMs = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3; attempt++) {
            long start = System.nanoTime();
            PoolRejectedException e = null;
            try {
                pool.submit(A, List.of(3), runner);
            } catch (PoolRejectedException expected) {
                e = expected;
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            fastestMs = Math.min(fastestMs, elapsedMs);
            assertThat(e).isNotNull();
            assertThat(e.reason()).isEqualTo(Reason.QUEUE_FULL);
            assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
            // the worker stays blocked until release: a blocking submit would never get here
            assertThat(elapsedMs).as("rejection must not block").isLessThan(1000);
        }
        assertThat(fastestMs).as("rejection is immediate").isLessThan(20);
        assertThat(rejected("queue_full", "submit")).isEqualTo(3.0);
        assertThat(counter("salience.requests.accepted")).isEqualTo(3.0); // block + 2
    }

    @Test
    void maxQueueWaitRejectsByEstimatedWorkAhead() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults()
                .withBatching(false)
                .withMaxQueueWait(Duration.ofMillis(150))
                .withRetryAfter(Duration.ofSeconds(2))
                .build());
        BatchRunner<Integer, Integer> slow = (key, rows) -> {
            Thread.sleep(40L * rows.size());
            return rows;
        };
        // measure the cost of key A: about 40 ms per row
        pool.call(A, List.of(1), slow);
        pool.call(A, List.of(1, 2), slow);
        blockWorker(pool);
        // the queue is empty: admitted whatever the request's size
        CompletableFuture<List<Integer>> first = pool.submit(A, List.of(1), slow);
        // about 40 ms ahead: admitted (below 150 ms even if the machine doubles every sleep)
        CompletableFuture<List<Integer>> second = pool.submit(A, List.of(3, 4, 5, 6, 7, 8), slow);
        // about 280 ms ahead: rejected at once, at submit and at the early admission check; an unmeasured key too
        for (BatchKey key : List.of(A, C)) {
            assertThatThrownBy(() -> pool.submit(key, List.of(5), slow))
                    .isInstanceOfSatisfying(PoolRejectedException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.QUEUE_FULL);
                        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
                        assertThat(e.getMessage()).contains("max-queue-wait (150 ms)");
                    });
        }
        assertThatThrownBy(pool::admit).isInstanceOf(PoolRejectedException.class);
        assertThat(pool.queueDepth()).isEqualTo(2); // far below queue-capacity (64)
        runner.release.countDown();
        assertThat(first.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(1);
        assertThat(second.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(3, 4, 5, 6, 7, 8);
        // drained: admitted again
        assertThat(pool.call(A, List.of(6), slow)).containsExactly(6);
        assertThat(rejected("queue_full", "submit")).isEqualTo(3.0);
    }

    // ------------------------------------------------------------------ failures

    @Test
    void runnerFailureFailsItsWholeBatchButThePoolKeepsWorking() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().build());
        blockWorker(pool);
        CompletableFuture<List<Integer>> bad1 = pool.submit(BAD, List.of(1), runner);
        CompletableFuture<List<Integer>> bad2 = pool.submit(BAD, List.of(2), runner);
        CompletableFuture<List<Integer>> good = pool.submit(A, List.of(3), runner);
        runner.release.countDown();
        for (CompletableFuture<List<Integer>> bad : List.of(bad1, bad2)) {
            assertThatThrownBy(() -> bad.get(WAIT_S, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOfSatisfying(InferenceException.class, e -> {
                        assertThat(e.key()).isEqualTo(BAD);
                        assertThat(e.getCause())
                                .isInstanceOf(IllegalStateException.class)
                                .hasMessage("boom");
                    });
        }
        assertThat(good.get(WAIT_S, TimeUnit.SECONDS)).containsExactly(30);
        assertThat(runner.callsExceptBlock()).extracting(Call::key).containsExactly(BAD, A); // bad rows merged
        assertThatThrownBy(() -> pool.call(BAD, List.of(4), runner)).isInstanceOf(InferenceException.class);
        assertThat(counter("salience.requests.failed")).isEqualTo(3.0);
    }

    @Test
    void errorsAndWrongOutputCountsAreIsolatedToo() {
        InferencePool pool = pool(PoolSettings.defaults().build());
        BatchRunner<Integer, Integer> throwsError = (key, rows) -> {
            throw new AssertionError("native crash");
        };
        BatchRunner<Integer, Integer> tooFew = (key, rows) -> List.of(1);
        assertThatThrownBy(() -> pool.call(A, List.of(1, 2), throwsError))
                .isInstanceOf(InferenceException.class)
                .hasCauseInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> pool.call(A, List.of(1, 2), tooFew))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("returned 1 outputs for 2 rows");
        assertThat(pool.call(A, List.of(1, 2), runner)).containsExactly(10, 20);
        assertThat(pool.workerThreads()).allMatch(Thread::isAlive);
    }

    // ------------------------------------------------------------------ shutdown

    @Test
    void shutdownRejectsNewWorkAndDrainsAdmittedWork() throws Exception {
        InferencePool pool = pool(PoolSettings.defaults().build());
        CompletableFuture<List<Integer>> running = blockWorker(pool);
        List<CompletableFuture<List<Integer>>> queued = IntStream.range(0, 3)
                .mapToObj(i -> pool.submit(A, List.of(i), runner))
                .toList();
        CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(() -> pool.shutdown(Duration.ofSeconds(5)));
        awaitTrue(() -> !pool.isAcceptingWork());
        assertThatThrownBy(() -> pool.submit(A, List.of(9), runner))
                .isInstanceOfSatisfying(
                        PoolRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SHUTTING_DOWN));
        assertThat(shutdown).isNotDone();
        runner.release.countDown();
        assertThat(shutdown.get(WAIT_S, TimeUnit.SECONDS)).isTrue();
        assertThat(running.get()).containsExactly(0);
        for (int i = 0; i < 3; i++) {
            assertThat(queued.get(i).get()).containsExactly(i * 10);
        }
        assertThat(pool.workerThreads()).noneMatch(Thread::isAlive);
        assertThat(pool.isRunning()).isFalse();
        assertThat(runner.seenRows()).doesNotContain(9);
        assertThat(rejected("shutting_down", "submit")).isEqualTo(1.0);
    }

    @Test
    void shutdownFailsWhatIsLeftAfterTheTimeout() {
        InferencePool pool = pool(PoolSettings.defaults().build());
        CompletableFuture<List<Integer>> running = blockWorker(pool);
        CompletableFuture<List<Integer>> queued = pool.submit(A, List.of(42), runner);
        assertThat(pool.shutdown(Duration.ofMillis(100))).isFalse();
        for (CompletableFuture<List<Integer>> f : List.of(running, queued)) {
            assertThat(f).isCompletedExceptionally();
            assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(PoolRejectedException.class, e -> assertThat(
                            e.reason())
                    .isEqualTo(Reason.SHUTTING_DOWN));
        }
        runner.release.countDown();
        assertThat(runner.seenRows()).doesNotContain(42);
        assertThat(rejected("shutting_down", "admitted")).isEqualTo(2.0);
        pool.close(); // idempotent
    }

    // ------------------------------------------------------------------ metrics

    @Test
    void metricsAreConsistentUnderARandomConcurrentWorkload() throws Exception {
        InferencePool pool = pool(new PoolProperties(
                3,
                20,
                16,
                true,
                Duration.ofMillis(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                Duration.ZERO,
                Duration.ZERO,
                0));
        List<BatchKey> keys = List.of(A, B, C);
        AtomicInteger nextRow = new AtomicInteger(1);
        AtomicInteger runnerRows = new AtomicInteger();
        BatchRunner<Integer, Integer> work = (key, rows) -> {
            runnerRows.addAndGet(rows.size());
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(200_000));
            if (rows.stream().anyMatch(r -> r < 0)) {
                throw new IllegalStateException("poisoned batch");
            }
            return rows.stream().map(r -> r * 10).toList();
        };
        int threads = 6;
        int perThread = 150;
        AtomicInteger submitRejections = new AtomicInteger();
        List<Submitted> submitted = new CopyOnWriteArrayList<>();
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(executor.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < perThread; i++) {
                        List<Integer> rows = new ArrayList<>();
                        int n = 1 + rnd.nextInt(40);
                        for (int r = 0; r < n; r++) {
                            rows.add(nextRow.getAndIncrement());
                        }
                        if (rnd.nextInt(30) == 0) {
                            rows.set(0, -rows.get(0));
                        }
                        Duration deadline = rnd.nextInt(10) == 0 ? Duration.ofMillis(1) : null;
                        try {
                            CompletableFuture<List<Integer>> f =
                                    pool.submit(keys.get(rnd.nextInt(keys.size())), rows, work, deadline);
                            submitted.add(new Submitted(rows, f));
                            if (rnd.nextInt(10) == 0) {
                                f.cancel(true);
                            }
                        } catch (PoolRejectedException e) {
                            assertThat(e.reason()).isEqualTo(Reason.QUEUE_FULL);
                            submitRejections.incrementAndGet();
                            LockSupport.parkNanos(100_000);
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(WAIT_S, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
        }
        // Every request has the pool's 5 s default deadline, so all settle within 5 s of the last submit; waiting
        // exactly as long raced with that deadline on a loaded CI machine. Wait past it (a hang still fails).
        CompletableFuture.allOf(submitted.stream().map(Submitted::future).toArray(CompletableFuture[]::new))
                .exceptionally(e -> null)
                .get(3 * WAIT_S, TimeUnit.SECONDS);
        assertThat(pool.shutdown(Duration.ofSeconds(WAIT_S))).isTrue();

        int ok = 0;
        for (Submitted s : submitted) {
            if (!s.future().isCompletedExceptionally()) {
                ok++;
                assertThat(s.future().get())
                        .containsExactlyElementsOf(
                                s.rows().stream().map(r -> r * 10).toList());
            }
        }
        double accepted = counter("salience.requests.accepted");
        double completedCount = counter("salience.requests.completed");
        double failedCount = counter("salience.requests.failed");
        double rejectedAfterAdmission = registry.find("salience.rejected").tag("phase", "admitted").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
        assertThat(accepted).isEqualTo(submitted.size());
        assertThat(accepted + submitRejections.get()).isEqualTo(threads * perThread);
        assertThat(rejected("queue_full", "submit")).isEqualTo(submitRejections.get());
        assertThat(accepted).isEqualTo(completedCount + failedCount + rejectedAfterAdmission);
        assertThat(completedCount).isGreaterThanOrEqualTo(ok).isPositive();
        assertThat(registry.get("salience.batch.size").summary().totalAmount()).isEqualTo(runnerRows.get());
        assertThat(registry.get("salience.batch.size").summary().max()).isLessThanOrEqualTo(16);
        assertThat(registry.get("salience.queue.wait").timer().count()).isLessThanOrEqualTo((long) accepted);
        assertThat(registry.get("salience.queue.depth").gauge().value()).isZero();
        assertThat(registry.get("salience.inflight").gauge().value()).isZero();
    }

    @Test
    void recordsComputeQueueWaitAndBatchSize() {
        InferencePool pool = pool(PoolSettings.defaults().build());
        pool.call(A, rows(0, 5), runner);
        pool.call(C, rows(0, 3), runner);
        assertThat(registry.get("salience.compute")
                        .tag("model", "m")
                        .tag("method", "predict")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("salience.compute")
                        .tag("model", "other")
                        .tag("method", "predict")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("salience.queue.wait").timer().count()).isEqualTo(2);
        assertThat(registry.get("salience.batch.size").summary().totalAmount()).isEqualTo(8.0);
        assertThat(counter("salience.requests.completed")).isEqualTo(2.0);
    }

    @Test
    void rejectsInvalidSettingsBuiltInCode() {
        assertThatThrownBy(() -> new InferencePool(
                        PoolSettings.defaults().withConcurrency(0).build(), registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("concurrency");
        assertThatThrownBy(() -> new InferencePool(
                        PoolSettings.defaults()
                                .withBatchWindow(Duration.ofSeconds(2))
                                .build(),
                        registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch-window");
        InferencePool pool = pool(PoolSettings.defaults().build());
        assertThatThrownBy(() -> pool.submit(A, List.of(1), runner, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ helpers

    private InferencePool pool(PoolProperties properties) {
        InferencePool pool = new InferencePool(properties, registry);
        pools.add(pool);
        return pool;
    }

    /** Occupies one worker with a BLOCK batch until {@code runner.release} opens. */
    private CompletableFuture<List<Integer>> blockWorker(InferencePool pool) {
        CountDownLatch entered = new CountDownLatch(1);
        runner.entered.set(entered);
        CompletableFuture<List<Integer>> f = pool.submit(BLOCK, List.of(0), runner);
        try {
            assertThat(entered.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        return f;
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    private double rejected(String reason, String phase) {
        return registry.get("salience.rejected")
                .tag("reason", reason)
                .tag("phase", phase)
                .counter()
                .count();
    }

    private static List<Integer> rows(int from, int count) {
        return IntStream.range(from, from + count).boxed().toList();
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("condition not reached within " + WAIT_S + " s");
            }
            LockSupport.parkNanos(100_000);
        }
    }

    record Call(BatchKey key, List<Integer> rows) {}

    record Submitted(List<Integer> rows, CompletableFuture<List<Integer>> future) {}

    /**
     * Fake runner: records every call, returns row * 10, blocks BLOCK batches until released, throws for BAD.
     */
    static final class Recorder implements BatchRunner<Integer, Integer> {
        final List<Call> calls = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<CountDownLatch> entered = new AtomicReference<>(new CountDownLatch(0));

        @Override
        public List<Integer> run(BatchKey key, List<Integer> rows) throws Exception {
            calls.add(new Call(key, List.copyOf(rows)));
            if (key.equals(BLOCK)) {
                entered.get().countDown();
                if (!release.await(WAIT_S * 2, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test never released the block");
                }
            }
            if (key.equals(BAD)) {
                throw new IllegalStateException("boom");
            }
            return rows.stream().map(r -> r * 10).toList();
        }

        List<Call> callsExceptBlock() {
            return calls.stream().filter(c -> !c.key().equals(BLOCK)).toList();
        }

        Set<Integer> seenRows() {
            Set<Integer> seen = new HashSet<>();
            callsExceptBlock().forEach(c -> seen.addAll(c.rows()));
            return seen;
        }
    }
}
