package io.salience.jobs;

import io.salience.api.ProblemAdvice;
import io.salience.api.Problems;
import io.salience.inference.BackgroundPriority;
import io.salience.inference.ClientLiveness;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Async jobs: long work run on a bounded set of job threads, at background priority in the inference pool, with its
 * result (or problem) kept in memory for {@code salience.jobs.ttl}. A restart loses every job. See
 * {@link JobProperties} for the bounds.
 */
@Service
public class JobService implements DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(JobService.class);
    /** Retry-After of a full store whose jobs are all unfinished (their duration is unknown). */
    static final Duration RETRY_UNFINISHED = Duration.ofSeconds(5);
    /** Problem type of a result over the byte bounds. */
    public static final URI RESULT_TOO_LARGE = Problems.JOB_RESULT_TOO_LARGE;

    enum State {
        QUEUED,
        RUNNING,
        SUCCEEDED,
        FAILED,
        CANCELLED;

        String spell() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        boolean finished() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }
    }

    private final JobProperties properties;
    private final ProblemAdvice problems;
    private final ObjectProvider<RequestMappingHandlerAdapter> mvc;
    private final JsonMapper json;
    private final Clock clock;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor executor;
    private final ScheduledExecutorService sweeper;
    private volatile ResultWriter writer;

    // guarded by this
    private long storedBytes;

    @Autowired
    public JobService(
            JobProperties properties,
            ProblemAdvice problems,
            ObjectProvider<RequestMappingHandlerAdapter> mvc,
            JsonMapper json) {
        this(properties, problems, mvc, json, Clock.systemUTC());
    }

    JobService(
            JobProperties properties,
            ProblemAdvice problems,
            ObjectProvider<RequestMappingHandlerAdapter> mvc,
            JsonMapper json,
            Clock clock) {
        this.properties = Objects.requireNonNull(properties, "properties");
        this.problems = problems;
        this.mvc = mvc;
        this.json = json;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(
                properties.maxRunning(),
                properties.maxRunning(),
                0,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                r -> daemon(r, "salience-job-" + n.incrementAndGet()));
        this.sweeper = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "salience-job-sweeper"));
        long period = Math.max(100, Math.min(10_000, properties.ttl().toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts a job owned by the request's principal ({@code request.getUserPrincipal()}, null = anonymous),
     * capturing its {@code Accept} header and the endpoint's producible media types.
     *
     * @param kind what the job does, e.g. {@code saliency}
     * @param request the submitting request
     * @param work the work; read everything it needs from the request (uploads) before calling this
     * @return 202 with {@code Location: /v1/jobs/{id}} and the job
     * @throws JobStoreFullException when {@code max-jobs} jobs are held (503 with Retry-After)
     */
    public ResponseEntity<JobView> submit(String kind, HttpServletRequest request, JobWork work) {
        Objects.requireNonNull(work, "work");
        @SuppressWarnings("unchecked")
        Collection<MediaType> producible =
                (Collection<MediaType>) request.getAttribute(HandlerMapping.PRODUCIBLE_MEDIA_TYPES_ATTRIBUTE);
        Job job = new Job(
                UUID.randomUUID().toString(),
                kind,
                owner(request),
                request.getHeader(HttpHeaders.ACCEPT),
                producible == null ? null : List.copyOf(producible),
                request.getRequestURI(),
                clock.instant());
        FutureTask<Void> task = new FutureTask<>(() -> run(job, work), null);
        job.task = task;
        sweep();
        synchronized (this) {
            if (jobs.size() >= properties.maxJobs()) {
                throw new JobStoreFullException(properties.maxJobs(), retryAfterLocked());
            }
            jobs.put(job.id, job);
        }
        executor.execute(task);
        return ResponseEntity.accepted()
                .location(URI.create(request.getContextPath() + "/v1/jobs/" + job.id))
                .contentType(MediaType.APPLICATION_JSON)
                .body(view(job));
    }

    /**
     * The job, as its owner sees it.
     *
     * @throws JobNotFoundException unknown, expired, or another principal's
     */
    public JobView get(String id, Principal principal) {
        return view(find(id, principal));
    }

    /**
     * The stored result with the synchronous response's headers.
     *
     * @throws JobNotSucceededException when the job has no result (yet)
     */
    public ResponseEntity<byte[]> result(String id, Principal principal) {
        Job job = find(id, principal);
        Stored stored;
        synchronized (this) {
            stored = job.stored;
            if (job.state != State.SUCCEEDED || stored == null) {
                throw new JobNotSucceededException(id, job.state.spell());
            }
        }
        HttpHeaders headers = new HttpHeaders();
        stored.headers.forEach((name, values) -> {
            if (!HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name)) {
                headers.put(name, values);
            }
        });
        return ResponseEntity.ok().headers(headers).body(stored.body);
    }

    /**
     * Cancels a queued or running job (state {@code cancelled}, its queued pool work dropped, its thread interrupted),
     * or deletes a finished one.
     */
    public void delete(String id, Principal principal) {
        Job job = find(id, principal);
        synchronized (this) {
            if (!job.state.finished()) {
                job.cancelled = true;
                finishLocked(job, State.CANCELLED);
            } else {
                removeLocked(job);
                return;
            }
        }
        job.task.cancel(true);
    }

    /** Jobs held now (for tests and metrics). */
    int size() {
        return jobs.size();
    }

    private void run(Job job, JobWork work) {
        synchronized (this) {
            if (job.state != State.QUEUED) {
                return; // cancelled while queued
            }
            job.state = State.RUNNING;
            job.startedAt = clock.instant();
        }
        ClientLiveness.bind(() -> job.cancelled);
        BackgroundPriority.bind();
        try {
            Object value = work.run(job::progress);
            if (job.cancelled) {
                return;
            }
            if (value == null) {
                throw new IllegalStateException("job " + job.kind + " returned no result");
            }
            ResultWriter.Written written = writer().write(value, job.accept, job.producible);
            succeed(job, written);
        } catch (Exception e) {
            if (!job.cancelled) {
                fail(job, problems.problemFor(e, job.instance));
            }
        } finally {
            if (!job.state.finished()) {
                // an Error (e.g. out of memory) escaped: the job must still end
                fail(
                        job,
                        problems.problemFor(
                                new IllegalStateException("job " + job.id + " ended abnormally"), job.instance));
            }
            ClientLiveness.clear();
            BackgroundPriority.clear();
            Thread.interrupted();
        }
    }

    private void succeed(Job job, ResultWriter.Written written) {
        long size = written.body().length;
        synchronized (this) {
            if (job.state.finished()) {
                return;
            }
            long perResult = properties.maxResultSize().toBytes();
            long total = properties.maxResultBytes().toBytes();
            if (size > perResult) {
                failLocked(
                        job,
                        tooLarge(
                                job,
                                "The result has " + size + " bytes, more than salience.jobs.max-result-size ("
                                        + perResult + " bytes)"));
                return;
            }
            if (storedBytes + size > total) {
                failLocked(
                        job,
                        tooLarge(
                                job,
                                "Stored job results hold " + storedBytes + " bytes; this result (" + size
                                        + " bytes) would exceed salience.jobs.max-result-bytes (" + total
                                        + " bytes). Fetch and DELETE finished jobs, or retry once they expire"));
                return;
            }
            storedBytes += size;
            job.stored = new Stored(written.headers(), written.body());
            job.done = Math.max(job.done, job.total);
            job.percent = 100;
            finishLocked(job, State.SUCCEEDED);
        }
    }

    private void fail(Job job, ResponseEntity<ProblemDetail> problem) {
        synchronized (this) {
            if (!job.state.finished()) {
                failLocked(job, problem);
            }
        }
    }

    private void failLocked(Job job, ResponseEntity<ProblemDetail> problem) {
        job.error = problemMap(Objects.requireNonNull(problem.getBody()));
        finishLocked(job, State.FAILED);
    }

    private ResponseEntity<ProblemDetail> tooLarge(Job job, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.INSUFFICIENT_STORAGE, detail);
        p.setType(RESULT_TOO_LARGE);
        p.setTitle("Job result too large");
        p.setInstance(URI.create(job.instance));
        return ResponseEntity.status(p.getStatus()).body(p);
    }

    private void finishLocked(Job job, State state) {
        job.state = state;
        job.finishedAt = clock.instant();
        job.expiresAt = job.finishedAt.plus(properties.ttl());
    }

    private void removeLocked(Job job) {
        if (jobs.remove(job.id, job) && job.stored != null) {
            storedBytes -= job.stored.body.length;
            job.stored = null;
        }
    }

    /** Removes finished jobs past their expiry. */
    void sweep() {
        Instant now = clock.instant();
        synchronized (this) {
            for (Job job : new ArrayList<>(jobs.values())) {
                if (job.expiresAt != null && !now.isBefore(job.expiresAt)) {
                    removeLocked(job);
                }
            }
        }
    }

    private Duration retryAfterLocked() {
        Instant now = clock.instant();
        Instant first = null;
        for (Job job : jobs.values()) {
            if (job.expiresAt != null && (first == null || job.expiresAt.isBefore(first))) {
                first = job.expiresAt;
            }
        }
        return first == null ? RETRY_UNFINISHED : Duration.between(now, first);
    }

    private Job find(String id, Principal principal) {
        sweep();
        Job job = id == null ? null : jobs.get(id);
        if (job == null || !Objects.equals(job.owner, principal == null ? null : principal.getName())) {
            throw new JobNotFoundException(id);
        }
        return job;
    }

    private static String owner(HttpServletRequest request) {
        Principal p = request.getUserPrincipal();
        return p == null ? null : p.getName();
    }

    private ResultWriter writer() {
        ResultWriter w = writer;
        if (w == null) {
            w = new ResultWriter(mvc.getObject().getMessageConverters());
            writer = w;
        }
        return w;
    }

    private JobView view(Job job) {
        synchronized (this) {
            Object result = null;
            String resultType = null;
            String resultUrl = null;
            if (job.state == State.SUCCEEDED && job.stored != null) {
                MediaType type = job.stored.headers.getContentType();
                resultType = type == null ? null : type.toString();
                resultUrl = "/v1/jobs/" + job.id + "/result";
                if (type != null
                        && (type.isCompatibleWith(MediaType.APPLICATION_JSON)
                                || "json".equals(type.getSubtypeSuffix()))) {
                    result = json.readTree(job.stored.body);
                }
            }
            return new JobView(
                    job.id,
                    job.kind,
                    job.state.spell(),
                    new JobView.Progress(job.percent, job.done, job.total, job.step),
                    job.createdAt,
                    job.startedAt,
                    job.finishedAt,
                    job.expiresAt,
                    resultType,
                    resultUrl,
                    result,
                    job.error);
        }
    }

    private static Map<String, Object> problemMap(ProblemDetail p) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", p.getType().toString());
        body.put("title", p.getTitle());
        body.put("status", p.getStatus());
        body.put("detail", p.getDetail());
        if (p.getInstance() != null) {
            body.put("instance", p.getInstance().toString());
        }
        if (p.getProperties() != null) {
            body.putAll(p.getProperties());
        }
        return body;
    }

    @Override
    public void destroy() {
        sweeper.shutdownNow();
        for (Job job : jobs.values()) {
            job.cancelled = true;
        }
        executor.shutdownNow();
    }

    private static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((th, e) -> LOG.error("Uncaught exception in {}", th.getName(), e));
        return t;
    }

    private record Stored(HttpHeaders headers, byte[] body) {}

    /** One job; mutable fields guarded by the service's lock (progress fields and cancelled are volatile). */
    private static final class Job {
        final String id;
        final String kind;
        final String owner;
        final String accept;
        final List<MediaType> producible;
        final String instance;
        final Instant createdAt;
        volatile boolean cancelled;
        volatile State state = State.QUEUED;
        Instant startedAt;
        Instant finishedAt;
        Instant expiresAt;
        Stored stored;
        Map<String, Object> error;
        volatile FutureTask<Void> task;
        volatile int percent;
        volatile long done;
        volatile long total = 1;
        volatile String step;

        Job(
                String id,
                String kind,
                String owner,
                String accept,
                List<MediaType> producible,
                String instance,
                Instant createdAt) {
            this.id = id;
            this.kind = kind;
            this.owner = owner;
            this.accept = accept;
            this.producible = producible;
            this.instance = instance;
            this.createdAt = createdAt;
        }

        void progress(long done, long total, String step) {
            if (state != State.RUNNING) {
                return;
            }
            long t = Math.max(1, total);
            long d = Math.max(0, Math.min(done, t));
            this.total = t;
            this.done = d;
            this.step = step;
            this.percent = (int) Math.floor(100.0 * d / t);
        }
    }
}
