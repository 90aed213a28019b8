package io.salience.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.salience.inference.PoolRejectedException.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The one scheduler every TensorFlow session run goes through: a bounded queue in front of a fixed number of worker
 * threads, with dynamic batching of requests that share a {@link BatchKey}.
 *
 * <p>Semantics (see {@link PoolProperties} for the settings):
 *
 * <ul>
 *   <li>Admission: {@link #submit} admits a request or throws {@link PoolRejectedException} at once (queue full,
 *       shutting down); it never blocks. The web layer admits each HTTP model request once, before its upload is
 *       read, with {@link #admit()}, which also enforces {@code max-in-flight}; the pool calls of an admitted
 *       request are then not rejected for queue space.
 *   <li>Priority: work submitted from a thread marked with {@link BackgroundPriority} (jobs) waits behind every
 *       interactive request: it goes next only when no interactive request is waiting, fills a batch's room only
 *       after the interactive rows of its key, is not counted by {@code queue-capacity} or {@code max-queue-wait}, and
 *       is not rejected for queue space (shutdown, deadlines and cancellation still apply).
 *   <li>Order: the oldest waiting request's key goes next (FIFO across keys). Its rows, then rows of further waiting
 *       requests with the same key in admission order, fill one runner call of at most {@code max-batch} rows. A
 *       request with more rows is split into chunks that may run in separate batches (in parallel when
 *       {@code concurrency > 1}); outputs always come back complete and in row order.
 *   <li>Deadline: a request not completed by its deadline fails with {@link Reason#DEADLINE} at its deadline, even
 *       while a worker is busy; rows not yet started never run. A batch already running is not interrupted, its
 *       outputs for that request are discarded.
 *   <li>Cancellation: cancelling the returned future (client gone) removes the request's rows not yet started; they
 *       never run. Cancel the future returned by {@code submit} itself, not a dependent stage. Completing it in any
 *       other way from outside counts as cancellation too.
 *   <li>Failures: when a runner throws, or returns a wrong number of outputs, every request with rows in that batch
 *       fails with an {@link InferenceException} caused by it; the pool keeps working.
 *   <li>Shutdown: {@link #shutdown(Duration)} stops admission at once, lets admitted requests finish within the
 *       timeout, then fails the rest with {@link Reason#SHUTTING_DOWN} and stops the threads.
 * </ul>
 *
 * <p>Futures are completed outside the pool's lock, on a worker or deadline thread (or the cancelling thread):
 * dependent stages should not block; use the {@code ...Async} variants for heavy follow-up work.
 *
 * <p>Metrics: {@code salience.queue.wait} (timer, per request, admission to start of its first chunk),
 * {@code salience.compute} (timer per batch run, tags {@code model}, {@code method} = graph), {@code
 * salience.batch.size} (summary, rows per run), gauges {@code salience.inflight} (batches running), {@code
 * salience.queue.depth} (requests waiting) and {@code salience.requests.in.flight} (open admissions), counters {@code salience.requests.accepted}, {@code
 * salience.requests.completed}, {@code salience.requests.failed} and {@code salience.rejected} (tags {@code reason} =
 * queue_full|deadline|cancelled|shutting_down and {@code phase} = submit|admitted). Every accepted request ends in
 * exactly one of completed, failed or rejected with {@code phase=admitted}, so {@code accepted == completed + failed
 * + rejected{phase=admitted}} once the pool is idle; {@code phase=submit} rejections were never accepted.
 */
@Component
public class InferencePool implements SmartLifecycle, AutoCloseable {

    /**
     * Lifecycle phase: stops before the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}) and stop
     * ({@code DEFAULT_PHASE - 2048}). So on SIGTERM (readiness already DOWN) the pool refuses new work, lets admitted
     * requests finish within {@code shutdown-timeout}, answers the rest with 503 {@code shutting_down} while the
     * listener is still open, and only then lets the web server close.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    /** Worker threads are named {@code salience-inference-<n>}; the deadline timer {@code salience-inference-timer}. */
    public static final String THREAD_NAME_PREFIX = "salience-inference-";

    private static final Logger LOG = LoggerFactory.getLogger(InferencePool.class);
    private static final Duration WORKER_JOIN_TIMEOUT = Duration.ofSeconds(1);
    /** After the shutdown timeout, how long request threads get to write their 503 {@code shutting_down}. */
    private static final Duration ANSWER_GRACE = Duration.ofSeconds(2);
    /** Weight of the newest batch in the per-row cost estimate. */
    private static final double COST_WEIGHT = 0.2;

    private final PoolProperties properties;
    private final long batchWindowNanos;

    private final ReentrantLock lock = new ReentrantLock();
    /** Idle workers wait here for admissions. */
    private final Condition workAvailable = lock.newCondition();
    /** Signalled when {@link #live} becomes empty. */
    private final Condition drained = lock.newCondition();

    // Guarded by lock.
    /** Requests with rows not yet started, oldest first. */
    private final LinkedHashSet<Job> waiting = new LinkedHashSet<>();
    /** {@link #waiting} by key, oldest first. */
    private final Map<BatchKey, LinkedHashSet<Job>> waitingByKey = new HashMap<>();
    /** Keys a worker is collecting rows for within its batching window, with the condition that worker waits on. */
    private final Map<BatchKey, Condition> collectors = new HashMap<>();
    /** Admitted requests not yet finished (waiting or running). */
    private final Set<Job> live = new HashSet<>();

    private int idleWorkers;
    /** Background requests in {@link #waiting}. */
    private int backgroundWaiting;
    /** Admissions from {@link #admit} not yet closed. */
    private int admittedRequests;
    /** Open admissions with at least one live job: their next rows cannot arrive before a job of theirs ends. */
    private int admissionsInside;

    private volatile boolean accepting = true;
    private volatile boolean terminated;

    private final List<Thread> workers;
    private final ScheduledThreadPoolExecutor timer;

    private final MeterRegistry registry;
    /** Measured cost of one row per key (nanoseconds, exponentially weighted), for {@code max-queue-wait}. */
    private final Map<BatchKey, Double> nanosPerRow = new HashMap<>();
    /** Rows not yet started of the waiting requests, per key (kept with {@code waiting}). */
    private final Map<BatchKey, Integer> waitingRows = new HashMap<>();

    /** The open admission of each request thread. */
    private final ThreadLocal<Admission> currentAdmission = new ThreadLocal<>();

    private final AtomicInteger queueDepth = new AtomicInteger();
    private final AtomicInteger requestsInFlight = new AtomicInteger();
    private final AtomicInteger inflight = new AtomicInteger();
    private final Timer queueWait;
    private final DistributionSummary batchSize;
    private final Map<BatchKey, Timer> computeTimers = new ConcurrentHashMap<>();
    private final Counter accepted;
    private final Counter completed;
    private final Counter failed;
    private final Map<Reason, Counter> rejectedAtSubmit = new EnumMap<>(Reason.class);
    private final Map<Reason, Counter> rejectedAfterAdmission = new EnumMap<>(Reason.class);

    /**
     * Creates the pool and starts its worker threads.
     *
     * @param properties the settings
     * @param registry where the metrics go
     */
    public InferencePool(PoolProperties properties, MeterRegistry registry) {
        this.properties = Objects.requireNonNull(properties, "properties");
        this.registry = Objects.requireNonNull(registry, "registry");
        properties.checkLimits();
        this.batchWindowNanos = properties.batching() ? properties.batchWindow().toNanos() : 0;

        this.queueWait = Timer.builder("salience.queue.wait")
                .description("Time a request waits from admission until its first rows start running")
                .publishPercentileHistogram()
                .maximumExpectedValue(PoolProperties.MAX_DEADLINE)
                .register(registry);
        this.batchSize = DistributionSummary.builder("salience.batch.size")
                .description("Rows per session run")
                .serviceLevelObjectives(batchSizeBuckets(properties.maxBatch()))
                .register(registry);
        Gauge.builder("salience.inflight", inflight, AtomicInteger::get)
                .description("Batches running")
                .register(registry);
        Gauge.builder("salience.queue.depth", queueDepth, AtomicInteger::get)
                .description("Requests waiting with rows not yet started")
                .register(registry);
        Gauge.builder("salience.requests.in.flight", requestsInFlight, AtomicInteger::get)
                .description("HTTP model requests admitted and not yet answered (max-in-flight counts these)")
                .register(registry);
        this.accepted = Counter.builder("salience.requests.accepted")
                .description("Requests admitted to the queue")
                .register(registry);
        this.completed = Counter.builder("salience.requests.completed")
                .description("Admitted requests that got all their outputs")
                .register(registry);
        this.failed = Counter.builder("salience.requests.failed")
                .description("Admitted requests failed by a runner error")
                .register(registry);
        for (Reason reason : List.of(Reason.QUEUE_FULL, Reason.SHUTTING_DOWN)) {
            rejectedAtSubmit.put(reason, rejectedCounter(reason, "submit"));
        }
        for (Reason reason : List.of(Reason.DEADLINE, Reason.CANCELLED, Reason.SHUTTING_DOWN)) {
            rejectedAfterAdmission.put(reason, rejectedCounter(reason, "admitted"));
        }

        this.timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, THREAD_NAME_PREFIX + "timer"));
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);

        List<Thread> threads = new ArrayList<>(properties.concurrency());
        for (int i = 1; i <= properties.concurrency(); i++) {
            threads.add(daemon(this::workerLoop, THREAD_NAME_PREFIX + i));
        }
        this.workers = List.copyOf(threads);
        workers.forEach(Thread::start);
    }

    // ---------------------------------------------------------------- public API

    /**
     * Admits a request with the default deadline; see {@link #submit(BatchKey, List, BatchRunner, Duration)}.
     *
     * @param <R> row type
     * @param <O> output type
     * @param key the batch key
     * @param rows the rows
     * @param runner runs a batch
     * @return the outputs, one per row in row order
     */
    public <R, O> CompletableFuture<List<O>> submit(BatchKey key, List<R> rows, BatchRunner<R, O> runner) {
        return submit(key, rows, runner, null);
    }

    /**
     * Admits a request, or rejects it at once. Never blocks.
     *
     * <p>The future completes with one output per row, in row order (an unmodifiable list; an empty {@code rows}
     * completes at once with an empty list). It fails with {@link PoolRejectedException} ({@link Reason#DEADLINE},
     * {@link Reason#SHUTTING_DOWN}) or {@link InferenceException}. Cancel it when the result is no longer wanted:
     * rows not yet started are then dropped.
     *
     * @param <R> row type
     * @param <O> output type
     * @param key the batch key; rows of requests with equal keys may share a runner call
     * @param rows the rows (copied; the list may be reused after this returns)
     * @param runner runs a batch; for merged batches the runner of the oldest request is used
     * @param deadline time from now by which the request must complete; {@code null} or zero means
     *     {@code default-deadline}, longer values are capped to it
     * @return the future outputs
     * @throws PoolRejectedException with {@link Reason#QUEUE_FULL} or {@link Reason#SHUTTING_DOWN}
     * @throws IllegalArgumentException if {@code deadline} is negative
     */
    public <R, O> CompletableFuture<List<O>> submit(
            BatchKey key, List<R> rows, BatchRunner<R, O> runner, Duration deadline) {
        return submit(key, rows, runner, deadline, false);
    }

    /**
     * {@link #submit(BatchKey, List, BatchRunner, Duration)}; with {@code whole}, the request's rows are never split:
     * they run together in one runner call, contiguous and in order (its rows may refer to each other, as a row
     * explaining the class another row predicts does). A whole request waits for a batch with room for all of it.
     *
     * @param whole keep the rows in one runner call
     * @throws IllegalArgumentException if {@code whole} and there are more rows than {@code max-batch}
     */
    public <R, O> CompletableFuture<List<O>> submit(
            BatchKey key, List<R> rows, BatchRunner<R, O> runner, Duration deadline, boolean whole) {
        Objects.requireNonNull(key, "key");
        if (whole && rows.size() > properties.maxBatch()) {
            throw new IllegalArgumentException(
                    "A whole request has at most max-batch (" + properties.maxBatch() + ") rows, got " + rows.size());
        }
        Objects.requireNonNull(rows, "rows");
        Objects.requireNonNull(runner, "runner");
        long timeoutNanos = effectiveDeadline(deadline).toNanos();
        @SuppressWarnings("unchecked")
        BatchRunner<Object, Object> erased = (BatchRunner<Object, Object>) runner;
        Admission admission = openAdmission();
        boolean partOfAdmitted = admission != null;
        boolean background = BackgroundPriority.isBackground();
        long now = System.nanoTime();
        if (admission != null) {
            // one budget per request: every pool call ends by the request's deadline
            timeoutNanos = Math.max(0, Math.min(timeoutNanos, admission.deadlineNanos - now));
            admission.chargeRows(rows.size());
        }
        Job job = new Job(key, new ArrayList<>(rows), erased, now, now + timeoutNanos, admission, background, whole);
        job.future.whenComplete((value, error) -> onFutureDone(job));

        lock.lock();
        try {
            if (background) {
                if (!accepting) {
                    throw rejectAtSubmit(Reason.SHUTTING_DOWN, key, "the inference pool is shutting down");
                }
            } else if (!partOfAdmitted) {
                admitLocked(key);
            } else if (terminated) {
                throw rejectAtSubmit(Reason.SHUTTING_DOWN, key, "the inference pool has shut down");
            }
            accepted.increment();
            if (job.rows.isEmpty()) {
                job.finished = true;
                completed.increment();
                return CompletableFuture.completedFuture(List.of());
            }
            live.add(job);
            if (admission != null && admission.liveJobs++ == 0 && !admission.detached) {
                admissionsInside++;
            }
            waiting.add(job);
            if (background) {
                backgroundWaiting++;
            }
            addWaitingRowsLocked(job, job.rows.size());
            waitingByKey.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(job);
            queueDepth.set(waiting.size());
            job.expiry = timer.schedule(() -> expire(job), timeoutNanos, TimeUnit.NANOSECONDS);
            signalArrivalLocked(key);
        } finally {
            lock.unlock();
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<List<O>> result = (CompletableFuture<List<O>>) (CompletableFuture<?>) job.future;
        return result;
    }

    /**
     * Admits one model request before its upload is read, or rejects it at once: when {@link #submit} would reject
     * now (queue full, {@code max-queue-wait} exceeded, shutting down) or when {@code max-in-flight} admissions are
     * open. Counted like a rejection at submit.
     *
     * <p>The admission is bound to the calling thread until closed. Work that thread submits meanwhile belongs to
     * the admitted request: it is not rejected for queue space or shutdown (so a request is never dropped between
     * two of its pool calls), though deadlines and cancellation still apply. Shutdown lets open admissions finish
     * within its timeout. Close it in the same thread when the request has been answered.
     *
     * @return the open admission
     * @throws PoolRejectedException with {@link Reason#QUEUE_FULL} or {@link Reason#SHUTTING_DOWN}
     * @throws IllegalStateException if this thread already holds an open admission
     */
    public Admission admit() {
        if (openAdmission() != null) {
            throw new IllegalStateException("this thread already holds an admission");
        }
        lock.lock();
        try {
            admitLocked(null);
            int max = properties.effectiveMaxInFlight();
            if (max > 0 && admittedRequests >= max) {
                throw rejectAtSubmit(
                        Reason.QUEUE_FULL,
                        null,
                        "the service is answering " + admittedRequests + " model requests (max-in-flight " + max + ")");
            }
            admittedRequests++;
            requestsInFlight.set(admittedRequests);
        } finally {
            lock.unlock();
        }
        Admission admission = new Admission(System.nanoTime(), properties.defaultDeadline());
        currentAdmission.set(admission);
        return admission;
    }

    /**
     * Narrows the calling thread's request budget: its deadline to at most {@code timeout} after its admission, and
     * the rows its pool calls may submit in all to {@code maxRows} (0 = unchanged). Without an admission (work not
     * from HTTP), nothing happens.
     *
     * @param timeout the request's whole time, or null for unchanged
     * @param maxRows the most rows, or 0
     */
    public void limitRequest(Duration timeout, long maxRows) {
        Admission a = openAdmission();
        if (a == null) {
            return;
        }
        if (timeout != null && !timeout.isNegative() && !timeout.isZero()) {
            a.deadlineNanos = Math.min(a.deadlineNanos, a.admittedNanos + timeout.toNanos());
        }
        if (maxRows > 0) {
            a.maxRows = a.maxRows == 0 ? maxRows : Math.min(a.maxRows, maxRows);
        }
    }

    /**
     * Time left of the calling thread's request budget (its admission's deadline), or {@code default-deadline}
     * for work without an admission. Decoding waits at most this long.
     *
     * @return nanoseconds left, never negative
     */
    public long remainingNanos() {
        Admission a = openAdmission();
        return a == null ? properties.defaultDeadline().toNanos() : Math.max(0, a.deadlineNanos - System.nanoTime());
    }

    /**
     * Whether shutdown has given up waiting: admitted work still running is to be answered with
     * {@link Reason#SHUTTING_DOWN} now (a request thread waiting on something else, e.g. a decode, checks this).
     *
     * @return true once the shutdown timeout has passed
     */
    public boolean abandoned() {
        return terminated;
    }

    /** The calling thread's admission, if it holds one that is still open. */
    private Admission openAdmission() {
        Admission a = currentAdmission.get();
        return a == null || a.closed ? null : a;
    }

    /** A model request admitted by {@link #admit()}; close it once the request has been answered. */
    public final class Admission implements AutoCloseable {

        private volatile boolean closed;
        /** Live jobs of this request (guarded by the pool's lock). */
        private int liveJobs;
        /** Closed as far as the pool's counts go (guarded by the pool's lock). */
        private boolean detached;

        private final long admittedNanos;
        private volatile long deadlineNanos;
        private volatile long maxRows;
        private long rows;

        private Admission(long admittedNanos, Duration budget) {
            this.admittedNanos = admittedNanos;
            this.deadlineNanos = admittedNanos + budget.toNanos();
        }

        /** Counts rows against the request's row cap; one thread submits them, the request's own. */
        private void chargeRows(int n) {
            rows += n;
            long max = maxRows;
            if (max > 0 && rows > max) {
                throw new WorkLimitException(rows, max);
            }
        }

        /** Ends the admission and unbinds it from the thread; idempotent. */
        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            if (currentAdmission.get() == this) {
                currentAdmission.remove();
            }
            lock.lock();
            try {
                if (liveJobs > 0) {
                    admissionsInside--;
                }
                detached = true;
                admittedRequests--;
                requestsInFlight.set(admittedRequests);
                if (admittedRequests == 0 && !accepting) {
                    drained.signalAll();
                    wakeEveryoneLocked(); // idle workers may exit now
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Throws the rejection a new request of {@code key} would get now, if any. */
    private void admitLocked(BatchKey key) {
        if (!accepting) {
            throw rejectAtSubmit(Reason.SHUTTING_DOWN, key, "the inference pool is shutting down");
        }
        if (waiting.size() - backgroundWaiting >= properties.queueCapacity()) {
            throw rejectAtSubmit(
                    Reason.QUEUE_FULL,
                    key,
                    "the inference queue is full (" + properties.queueCapacity() + " requests waiting)");
        }
        long limit = properties.maxQueueWait().toNanos();
        if (limit > 0) {
            long ahead = queuedWorkNanosLocked();
            if (ahead > limit) {
                throw rejectAtSubmit(
                        Reason.QUEUE_FULL,
                        key,
                        String.format(
                                Locale.ROOT,
                                "the inference queue holds about %d ms of work, more than max-queue-wait (%d ms)",
                                TimeUnit.NANOSECONDS.toMillis(ahead),
                                TimeUnit.NANOSECONDS.toMillis(limit)));
            }
        }
    }

    /** Estimated time until the work waiting now has started: rows × measured cost per row, over the workers. */
    private long queuedWorkNanosLocked() {
        double total = 0;
        for (Map.Entry<BatchKey, Integer> e : waitingRows.entrySet()) {
            total += e.getValue() * nanosPerRow.getOrDefault(e.getKey(), 0.0);
        }
        return (long) (total / properties.concurrency());
    }

    /**
     * Waits for the future; cancels it when the thread's {@link ClientLiveness} check says the client has gone (or
     * the job was deleted): at once, before the first wait, and then every check interval. Checking first matters for
     * work made of many short calls, each of which may finish within one interval.
     */
    private <O> List<O> await(CompletableFuture<List<O>> future, BatchKey key)
            throws InterruptedException, ExecutionException {
        BooleanSupplier gone = ClientLiveness.current();
        if (gone == null) {
            return future.get();
        }
        while (true) {
            if (gone.getAsBoolean()) {
                future.cancel(false);
                throw new PoolRejectedException(
                        Reason.CANCELLED,
                        properties.retryAfter(),
                        "the client disconnected (or the job was cancelled) while waiting for " + key);
            }
            try {
                return future.get(ClientLiveness.CHECK_INTERVAL_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                // check the client again
            }
        }
    }

    /**
     * Runs a request with the default deadline and waits; see {@link #call(BatchKey, List, BatchRunner, Duration)}.
     *
     * @param <R> row type
     * @param <O> output type
     * @param key the batch key
     * @param rows the rows
     * @param runner runs a batch
     * @return the outputs, one per row in row order
     */
    public <R, O> List<O> call(BatchKey key, List<R> rows, BatchRunner<R, O> runner) {
        return call(key, rows, runner, null);
    }

    /**
     * Submits a request and waits for its outputs. Waits at most until the deadline (the pool fails the request
     * then). If the waiting thread is interrupted, the request is cancelled (its rows not yet started never run),
     * the interrupt flag is restored and {@link PoolRejectedException} with {@link Reason#CANCELLED} is thrown.
     *
     * @param <R> row type
     * @param <O> output type
     * @param key the batch key
     * @param rows the rows
     * @param runner runs a batch
     * @param deadline see {@link #submit(BatchKey, List, BatchRunner, Duration)}
     * @return the outputs, one per row in row order
     * @throws PoolRejectedException queue full, shutting down, deadline passed, cancelled or interrupted
     * @throws InferenceException the runner failed for a batch holding rows of this request
     */
    public <R, O> List<O> call(BatchKey key, List<R> rows, BatchRunner<R, O> runner, Duration deadline) {
        return call(key, rows, runner, deadline, false);
    }

    /**
     * {@link #call(BatchKey, List, BatchRunner, Duration)}, keeping the rows in one runner call when {@code whole}
     * (see {@link #submit(BatchKey, List, BatchRunner, Duration, boolean)}).
     */
    public <R, O> List<O> call(BatchKey key, List<R> rows, BatchRunner<R, O> runner, Duration deadline, boolean whole) {
        CompletableFuture<List<O>> future = submit(key, rows, runner, deadline, whole);
        try {
            return await(future, key);
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw new PoolRejectedException(
                    Reason.CANCELLED, properties.retryAfter(), "interrupted while waiting for " + key, e);
        } catch (CancellationException e) {
            throw new PoolRejectedException(Reason.CANCELLED, properties.retryAfter(), "cancelled: " + key, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PoolRejectedException rejected) {
                throw rejected;
            }
            if (cause instanceof InferenceException failure) {
                throw failure;
            }
            throw new InferenceException(key, "inference failed for " + key, cause);
        }
    }

    /**
     * Whether new requests are admitted (for readiness): false from the moment shutdown starts.
     *
     * @return true while accepting work
     */
    public boolean isAcceptingWork() {
        return accepting;
    }

    /**
     * Requests waiting with rows not yet started (the {@code salience.queue.depth} gauge).
     *
     * @return the queue depth
     */
    public int queueDepth() {
        return queueDepth.get();
    }

    /**
     * HTTP model requests admitted by {@link #admit()} and not yet closed (the {@code salience.requests.in.flight}
     * gauge).
     *
     * @return the open admissions
     */
    public int requestsInFlight() {
        return requestsInFlight.get();
    }

    /**
     * Batches running (the {@code salience.inflight} gauge).
     *
     * @return the number of runner calls in progress
     */
    public int inflight() {
        return inflight.get();
    }

    /**
     * The settings in use.
     *
     * @return the properties
     */
    public PoolProperties properties() {
        return properties;
    }

    /**
     * Stops admitting at once, lets admitted requests finish within {@code timeout}, then fails what is left with
     * {@link Reason#SHUTTING_DOWN} and stops the threads. Runner calls still in progress cannot be aborted; their
     * worker threads are interrupted and, being daemons, do not keep the JVM alive. Idempotent; later calls return
     * at once.
     *
     * @param timeout how long to let admitted work finish
     * @return true if every admitted request finished by itself within the timeout
     */
    public boolean shutdown(Duration timeout) {
        long remaining = Math.max(0, Objects.requireNonNull(timeout, "timeout").toNanos());
        List<Settlement> settlements = new ArrayList<>();
        boolean clean;
        lock.lock();
        try {
            if (accepting) {
                accepting = false;
                LOG.info(
                        "Inference pool shutting down; {} jobs and {} HTTP requests admitted and unfinished",
                        live.size(),
                        admittedRequests);
            }
            wakeEveryoneLocked();
            while ((!live.isEmpty() || admittedRequests > 0) && remaining > 0 && !terminated) {
                try {
                    remaining = drained.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            clean = live.isEmpty() && admittedRequests == 0;
            if (!clean) {
                LOG.warn("Inference pool shutdown timed out; failing {} unfinished requests", live.size());
                for (Job job : new ArrayList<>(live)) {
                    rejectLocked(job, Reason.SHUTTING_DOWN, "the inference pool shut down", settlements);
                }
            }
            terminated = true;
            wakeEveryoneLocked();
        } finally {
            lock.unlock();
        }
        settle(settlements);
        if (!clean) {
            awaitAdmissionsClosed(ANSWER_GRACE);
        }
        timer.shutdownNow();
        long joinDeadline = System.nanoTime() + WORKER_JOIN_TIMEOUT.toNanos();
        for (Thread worker : workers) {
            if (worker == Thread.currentThread()) {
                continue;
            }
            if (!clean) {
                worker.interrupt();
            }
            try {
                worker.join(Math.max(1, (joinDeadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return clean;
    }

    /** Waits up to {@code timeout} for every open admission to close (their requests have been answered). */
    private void awaitAdmissionsClosed(Duration timeout) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (admittedRequests > 0 && remaining > 0) {
                remaining = drained.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        if (admittedRequests > 0) {
            LOG.warn("{} HTTP requests were still unanswered after the shutdown timeout", admittedRequests);
        }
    }

    /** {@link #shutdown(Duration)} with {@code salience.pool.shutdown-timeout}. */
    @Override
    public void close() {
        shutdown(properties.shutdownTimeout());
    }

    /** Workers start in the constructor; nothing to do. */
    @Override
    public void start() {
        // Workers already run so that the pool is usable as soon as it is constructed.
    }

    /** {@link #shutdown(Duration)} with {@code salience.pool.shutdown-timeout}. */
    @Override
    public void stop() {
        shutdown(properties.shutdownTimeout());
    }

    @Override
    public boolean isRunning() {
        return !terminated;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Stopping is final (models closed, workers ended), so a context pause (Spring 7 test contexts) must skip this. */
    @Override
    public boolean isPauseable() {
        return false;
    }

    /** The worker threads, for tests. */
    List<Thread> workerThreads() {
        return workers;
    }

    // ---------------------------------------------------------------- admission helpers

    private Duration effectiveDeadline(Duration deadline) {
        if (deadline == null || deadline.isZero()) {
            return properties.defaultDeadline();
        }
        if (deadline.isNegative()) {
            throw new IllegalArgumentException("deadline must not be negative: " + deadline);
        }
        return deadline.compareTo(properties.defaultDeadline()) < 0 ? deadline : properties.defaultDeadline();
    }

    private PoolRejectedException rejectAtSubmit(Reason reason, BatchKey key, String message) {
        rejectedAtSubmit.get(reason).increment();
        return new PoolRejectedException(
                reason, properties.retryAfter(), key == null ? message : message + " [" + key + "]");
    }

    private void signalArrivalLocked(BatchKey key) {
        Condition collector = collectors.get(key);
        if (collector != null) {
            collector.signal();
        } else if (idleWorkers > 0) {
            workAvailable.signal();
        } else {
            // Nobody idle: let collecting workers cut their window short instead of idling on it.
            collectors.values().forEach(Condition::signal);
        }
    }

    private void wakeEveryoneLocked() {
        workAvailable.signalAll();
        collectors.values().forEach(Condition::signalAll);
    }

    /** Deadline timer task. */
    private void expire(Job job) {
        List<Settlement> settlements = new ArrayList<>(1);
        lock.lock();
        try {
            rejectLocked(job, Reason.DEADLINE, "deadline passed before the request completed", settlements);
        } finally {
            lock.unlock();
        }
        settle(settlements);
    }

    /** Runs whenever a job's future completes; catches completion from outside (cancel) and drops the job. */
    private void onFutureDone(Job job) {
        if (job.finished) {
            return;
        }
        lock.lock();
        try {
            if (!job.finished) {
                // The future is already done, so there is nothing to settle.
                finishLocked(job);
                rejectedAfterAdmission.get(Reason.CANCELLED).increment();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- terminal transitions (under lock)

    /** Marks the job finished and forgets it; false if it already was. */
    private boolean finishLocked(Job job) {
        if (job.finished) {
            return false;
        }
        job.finished = true;
        unqueueLocked(job);
        live.remove(job);
        Admission admission = job.admission;
        if (admission != null && admission.liveJobs > 0 && --admission.liveJobs == 0 && !admission.detached) {
            admissionsInside--;
        }
        if (job.expiry != null) {
            job.expiry.cancel(false);
        }
        if (live.isEmpty()) {
            drained.signalAll();
        }
        return true;
    }

    private void completeLocked(Job job, List<Settlement> settlements) {
        if (finishLocked(job)) {
            completed.increment();
            settlements.add(new Settlement(job, Collections.unmodifiableList(Arrays.asList(job.outputs)), null));
        }
    }

    private void failLocked(Job job, Throwable error, List<Settlement> settlements) {
        if (finishLocked(job)) {
            failed.increment();
            settlements.add(new Settlement(job, null, error));
        }
    }

    private void rejectLocked(Job job, Reason reason, String message, List<Settlement> settlements) {
        if (finishLocked(job)) {
            rejectedAfterAdmission.get(reason).increment();
            settlements.add(new Settlement(
                    job,
                    null,
                    new PoolRejectedException(reason, properties.retryAfter(), message + " [" + job.key + "]")));
        }
    }

    /** Keeps {@link #waitingRows} (interactive rows only: background rows are not ahead of a new request). */
    private void addWaitingRowsLocked(Job job, int delta) {
        if (delta != 0 && !job.background) {
            waitingRows.merge(job.key, delta, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    private void unqueueLocked(Job job) {
        if (waiting.remove(job)) {
            addWaitingRowsLocked(job, -(job.rows.size() - job.nextRow));
            if (job.background) {
                backgroundWaiting--;
            }
            LinkedHashSet<Job> sameKey = waitingByKey.get(job.key);
            sameKey.remove(job);
            if (sameKey.isEmpty()) {
                waitingByKey.remove(job.key);
            }
            queueDepth.set(waiting.size());
        }
    }

    private static void settle(List<Settlement> settlements) {
        for (Settlement s : settlements) {
            if (s.error() != null) {
                s.job().future.completeExceptionally(s.error());
            } else {
                s.job().future.complete(s.value());
            }
        }
    }

    // ---------------------------------------------------------------- workers

    /** Returned by {@link #nextBatchLocked} when there is nothing to run but rejections to deliver. */
    private final Batch SETTLE_ONLY = new Batch(new BatchKey("", "settle-only"), (key, rows) -> List.of());

    private void workerLoop() {
        List<Settlement> settlements = new ArrayList<>();
        while (true) {
            Batch batch;
            lock.lock();
            try {
                batch = nextBatchLocked(settlements);
            } finally {
                lock.unlock();
            }
            settle(settlements);
            settlements.clear();
            if (batch == null) {
                return;
            }
            if (batch == SETTLE_ONLY) {
                continue;
            }
            runBatch(batch, settlements);
            settle(settlements);
            settlements.clear();
        }
    }

    /** Blocks until a batch is ready to run; null when the worker should exit. */
    private Batch nextBatchLocked(List<Settlement> settlements) {
        while (true) {
            if (terminated) {
                return null;
            }
            Job head = oldestEligibleLocked();
            if (head == null && !settlements.isEmpty()) {
                // requests this worker just rejected (deadline passed) must hear it now, not after the next arrival
                return SETTLE_ONLY;
            }
            if (head == null) {
                if (!accepting && waiting.isEmpty() && admittedRequests == 0) {
                    return null; // nothing can arrive any more
                }
                idleWorkers++;
                try {
                    workAvailable.awaitUninterruptibly();
                } finally {
                    idleWorkers--;
                }
                continue;
            }
            Batch batch = new Batch(head.key, head.runner);
            takeLocked(batch, head);
            if (properties.batching()) {
                fillLocked(batch);
                if (!batch.isFull() && batchWindowNanos > 0 && accepting) {
                    collectLocked(batch);
                }
            }
            if (startLocked(batch, settlements)) {
                if (idleWorkers > 0 && oldestEligibleLocked() != null) {
                    workAvailable.signal();
                }
                return batch;
            }
        }
    }

    /**
     * The oldest waiting interactive request whose key no worker is collecting for, else the oldest such background
     * request.
     */
    private Job oldestEligibleLocked() {
        Job oldestBackground = null;
        for (Job job : waiting) {
            if (!collectors.containsKey(job.key)) {
                if (!job.background) {
                    return job;
                }
                if (oldestBackground == null) {
                    oldestBackground = job;
                }
            }
        }
        return oldestBackground;
    }

    /** Moves up to the batch's free room of the job's next rows into the batch. */
    private void takeLocked(Batch batch, Job job) {
        if (job.whole && job.rows.size() > batch.room()) {
            return; // waits for a batch with room for all of it
        }
        int n = Math.min(job.rows.size() - job.nextRow, batch.room());
        batch.add(new Segment(job, job.nextRow, n));
        job.nextRow += n;
        addWaitingRowsLocked(job, -n);
        if (job.nextRow == job.rows.size()) {
            unqueueLocked(job);
        }
    }

    /**
     * Adds rows of waiting requests with the batch's key, interactive ones first, each oldest first, until full or none
     * left.
     */
    private void fillLocked(Batch batch) {
        LinkedHashSet<Job> sameKey = waitingByKey.get(batch.key);
        if (sameKey == null) {
            return;
        }
        // Each take consumes a job completely (removing it from sameKey), fills the batch, or skips a whole job
        // that does not fit.
        for (Job job : List.copyOf(sameKey)) {
            if (batch.isFull()) {
                return;
            }
            if (!job.background) {
                takeLocked(batch, job);
            }
        }
        for (Job job : List.copyOf(sameKey)) {
            if (batch.isFull()) {
                return;
            }
            takeLocked(batch, job);
        }
    }

    /** Waits up to the batching window for more rows of the batch's key. */
    private void collectLocked(Batch batch) {
        Condition arrival = lock.newCondition();
        collectors.put(batch.key, arrival);
        try {
            long remaining = batchWindowNanos;
            while (remaining > 0
                    && !batch.isFull()
                    && accepting
                    && !(idleWorkers == 0 && otherWorkWaitingLocked())
                    && !everyAdmittedRequestInsideLocked()) {
                try {
                    remaining = arrival.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // only shutdown interrupts workers; cleared before running
                    break;
                }
                fillLocked(batch);
            }
        } finally {
            collectors.remove(batch.key);
        }
        if (idleWorkers > 0 && !waiting.isEmpty()) {
            workAvailable.signal(); // requests of this key that did not fit were skipped by idle workers
        }
    }

    /**
     * True when admissions are in use and every open one already has a live job, so no admitted request can add rows
     * before one of those jobs ends: waiting out the batch window would only add latency.
     */
    private boolean everyAdmittedRequestInsideLocked() {
        return admittedRequests > 0 && admissionsInside >= admittedRequests;
    }

    private boolean otherWorkWaitingLocked() {
        return oldestEligibleLocked() != null;
    }

    /**
     * Drops segments of requests that finished meanwhile (cancelled, expired) or whose deadline has passed, then
     * marks the batch running. False if nothing is left to run.
     */
    private boolean startLocked(Batch batch, List<Settlement> settlements) {
        long now = System.nanoTime();
        for (Iterator<Segment> it = batch.segments.iterator(); it.hasNext(); ) {
            Segment segment = it.next();
            Job job = segment.job();
            if (!job.finished && now - job.deadlineNanos >= 0) {
                rejectLocked(job, Reason.DEADLINE, "deadline passed before the request completed", settlements);
            }
            if (job.finished) {
                it.remove();
                batch.size -= segment.count();
            }
        }
        if (batch.segments.isEmpty()) {
            return false;
        }
        for (Segment segment : batch.segments) {
            Job job = segment.job();
            if (!job.started) {
                job.started = true;
                queueWait.record(now - job.admittedNanos, TimeUnit.NANOSECONDS);
            }
        }
        inflight.incrementAndGet();
        return true;
    }

    private void runBatch(Batch batch, List<Settlement> settlements) {
        List<Object> rows = new ArrayList<>(batch.size);
        for (Segment segment : batch.segments) {
            rows.addAll(segment.job().rows.subList(segment.from(), segment.from() + segment.count()));
        }
        List<Object> view = Collections.unmodifiableList(rows);
        // A stray interrupt (from a timed-out shutdown) must not leak into the runner.
        Thread.interrupted();

        // FutureTask captures whatever the runner throws, errors included, so that the batch's requests
        // always settle and the worker survives.
        FutureTask<List<Object>> task = new FutureTask<>(() -> batch.runner.run(batch.key, view));
        long start = System.nanoTime();
        task.run();
        long elapsed = System.nanoTime() - start;
        List<Object> outputs = null;
        Throwable error = null;
        try {
            outputs = task.get();
        } catch (ExecutionException e) {
            error = e.getCause();
        } catch (InterruptedException | CancellationException e) {
            error = e;
        }
        computeTimer(batch.key).record(elapsed, TimeUnit.NANOSECONDS);
        batchSize.record(rows.size());

        String failure = null;
        if (error != null) {
            failure = "session run failed for " + batch.key + " (" + rows.size() + " rows): " + error;
            if (error instanceof Error) {
                LOG.error("Runner for {} threw an error; failing its batch", batch.key, error);
            } else {
                LOG.debug("Runner for {} failed", batch.key, error);
            }
        } else if (outputs == null || outputs.size() != rows.size()) {
            failure = "runner for " + batch.key + " returned " + (outputs == null ? "null" : outputs.size())
                    + " outputs for " + rows.size() + " rows";
            LOG.error("{}", failure);
        }

        lock.lock();
        try {
            inflight.decrementAndGet();
            if (error == null) {
                double perRow = (double) elapsed / rows.size();
                nanosPerRow.merge(batch.key, perRow, (old, now) -> old + COST_WEIGHT * (now - old));
            }
            int offset = 0;
            for (Segment segment : batch.segments) {
                Job job = segment.job();
                if (!job.finished) {
                    if (failure != null) {
                        failLocked(job, new InferenceException(batch.key, failure, error), settlements);
                    } else {
                        for (int i = 0; i < segment.count(); i++) {
                            job.outputs[segment.from() + i] = outputs.get(offset + i);
                        }
                        job.pendingRows -= segment.count();
                        if (job.pendingRows == 0) {
                            completeLocked(job, settlements);
                        }
                    }
                }
                offset += segment.count();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- metrics helpers

    private Counter rejectedCounter(Reason reason, String phase) {
        return Counter.builder("salience.rejected")
                .description("Requests rejected, at submit or after admission")
                .tag("reason", reason.tag())
                .tag("phase", phase)
                .register(registry);
    }

    private Timer computeTimer(BatchKey key) {
        return computeTimers.computeIfAbsent(key, k -> Timer.builder("salience.compute")
                .description("Duration of one session run (batch)")
                .tag("model", k.model())
                .tag("method", k.graph())
                .publishPercentileHistogram()
                .maximumExpectedValue(PoolProperties.MAX_DEADLINE)
                .register(registry));
    }

    private static double[] batchSizeBuckets(int maxBatch) {
        List<Double> buckets = new ArrayList<>();
        for (int b = 1; b < maxBatch; b *= 2) {
            buckets.add((double) b);
        }
        buckets.add((double) maxBatch);
        return buckets.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> LOG.error("Uncaught exception in {}", t.getName(), e));
        return thread;
    }

    // ---------------------------------------------------------------- state

    /** One admitted request. Mutable fields are guarded by the pool's lock ({@code finished} is also read without). */
    private static final class Job {
        final BatchKey key;
        final List<Object> rows;
        final BatchRunner<Object, Object> runner;
        final long admittedNanos;
        final long deadlineNanos;
        final Object[] outputs;
        final CompletableFuture<List<Object>> future = new CompletableFuture<>();

        int nextRow;
        int pendingRows;
        boolean started;
        volatile boolean finished;
        ScheduledFuture<?> expiry;
        /** The admitted HTTP request this job belongs to, or null. */
        final Admission admission;
        /** Submitted at {@link BackgroundPriority}: served after every waiting interactive request. */
        final boolean background;
        /** Its rows run in one runner call, never split. */
        final boolean whole;

        Job(
                BatchKey key,
                List<Object> rows,
                BatchRunner<Object, Object> runner,
                long admittedNanos,
                long deadline,
                Admission admission,
                boolean background,
                boolean whole) {
            this.admission = admission;
            this.background = background;
            this.whole = whole;
            this.key = key;
            this.rows = rows;
            this.runner = runner;
            this.admittedNanos = admittedNanos;
            this.deadlineNanos = deadline;
            this.outputs = new Object[rows.size()];
            this.pendingRows = rows.size();
        }
    }

    /** Rows {@code [from, from + count)} of a job. */
    private record Segment(Job job, int from, int count) {}

    /** How a job's future is to be completed, outside the lock. */
    private record Settlement(Job job, List<Object> value, Throwable error) {}

    /** Rows of one or more jobs run in one runner call; built under the lock, then owned by one worker. */
    private final class Batch {
        final BatchKey key;
        final BatchRunner<Object, Object> runner;
        final List<Segment> segments = new ArrayList<>();
        int size;

        Batch(BatchKey key, BatchRunner<Object, Object> runner) {
            this.key = key;
            this.runner = runner;
        }

        void add(Segment segment) {
            segments.add(segment);
            size += segment.count();
        }

        int room() {
            return properties.maxBatch() - size;
        }

        boolean isFull() {
            return room() <= 0;
        }
    }
}
