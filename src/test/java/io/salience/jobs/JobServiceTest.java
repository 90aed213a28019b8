package io.salience.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.salience.api.ProblemAdvice;
import io.salience.api.Problems;
import io.salience.attribution.InvalidParameterException;
import io.salience.inference.BackgroundPriority;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.ByteArrayHttpMessageConverter;
import org.springframework.http.converter.StringHttpMessageConverter;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.util.unit.DataSize;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import tools.jackson.databind.json.JsonMapper;

/** The job store without a server: ownership, the bounds (max-jobs, result bytes), expiry, cancellation. */
class JobServiceTest {

    private static final Principal ALICE = () -> "alice";
    private static final Principal BOB = () -> "bob";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private JobService service;

    @AfterEach
    void tearDown() {
        if (service != null) {
            service.destroy();
        }
    }

    private JobService service(int maxJobs, DataSize total, DataSize perResult) {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        RequestMappingHandlerAdapter mvc = new RequestMappingHandlerAdapter();
        mvc.setMessageConverters(
                List.of(new StringHttpMessageConverter(StandardCharsets.UTF_8), new ByteArrayHttpMessageConverter()));
        beans.registerSingleton("mvc", mvc);
        service = new JobService(
                new JobProperties(maxJobs, 1, total, perResult, Duration.ofMinutes(15)),
                new ProblemAdvice(),
                beans.getBeanProvider(RequestMappingHandlerAdapter.class),
                JsonMapper.builder().build(),
                clock);
        return service;
    }

    private JobService service() {
        return service(4, DataSize.ofKilobytes(4), DataSize.ofKilobytes(2));
    }

    private static MockHttpServletRequest request(Principal principal) {
        MockHttpServletRequest r = new MockHttpServletRequest("POST", "/v1/test");
        r.setUserPrincipal(principal);
        r.addHeader(HttpHeaders.ACCEPT, "text/plain");
        return r;
    }

    private static String id(ResponseEntity<JobView> submitted) {
        assertThat(submitted.getStatusCode().value()).isEqualTo(202);
        String id = submitted.getBody().id();
        assertThat(submitted.getHeaders().getLocation()).hasToString("/v1/jobs/" + id);
        return id;
    }

    private JobView await(String id, Principal owner, Predicate<JobView> until) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JobView v = service.get(id, owner);
        while (!until.test(v) && System.nanoTime() < deadline) {
            Thread.sleep(5);
            v = service.get(id, owner);
        }
        return v;
    }

    private static boolean finished(JobView v) {
        return List.of("succeeded", "failed", "cancelled").contains(v.state());
    }

    @Test
    void aJobIsVisibleOnlyToItsOwnerAndAnonymousJobsOnlyToAnonymous() throws Exception {
        JobService s = service();
        String alices = id(s.submit("t", request(ALICE), p -> "hello"));
        String anonymous = id(s.submit("t", request(null), p -> "anon"));
        assertThat(await(alices, ALICE, JobServiceTest::finished).state()).isEqualTo("succeeded");
        assertThat(new String(s.result(alices, ALICE).getBody(), StandardCharsets.UTF_8))
                .isEqualTo("hello");
        assertThat(s.result(alices, ALICE).getHeaders().getContentType()).hasToString("text/plain;charset=UTF-8");
        for (Principal other : new Principal[] {BOB, null}) {
            assertThatThrownBy(() -> s.get(alices, other)).isInstanceOf(JobNotFoundException.class);
            assertThatThrownBy(() -> s.result(alices, other)).isInstanceOf(JobNotFoundException.class);
            assertThatThrownBy(() -> s.delete(alices, other)).isInstanceOf(JobNotFoundException.class);
        }
        assertThat(await(anonymous, null, JobServiceTest::finished).state()).isEqualTo("succeeded");
        assertThatThrownBy(() -> s.get(anonymous, ALICE)).isInstanceOf(JobNotFoundException.class);
        s.delete(alices, ALICE);
        assertThatThrownBy(() -> s.get(alices, ALICE)).isInstanceOf(JobNotFoundException.class);
    }

    @Test
    void aFullStoreAnswers503WithRetryAfterUntilAFinishedJobExpires() throws Exception {
        JobService s = service(2, DataSize.ofKilobytes(4), DataSize.ofKilobytes(2));
        String first = id(s.submit("t", request(null), p -> "one"));
        await(first, null, JobServiceTest::finished);
        clock.advance(Duration.ofMinutes(5));
        CountDownLatch release = new CountDownLatch(1);
        String second = id(s.submit("t", request(null), p -> {
            release.await();
            return "two";
        }));
        assertThatThrownBy(() -> s.submit("t", request(null), p -> "three"))
                .isInstanceOfSatisfying(JobStoreFullException.class, e -> {
                    // the first job expires 15 min after it finished, 10 min from now
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(10));
                    assertThat(e.retryAfterSeconds()).isEqualTo("600");
                    ResponseEntity<?> answer = new ProblemAdvice().problemFor(e, "/v1/test");
                    assertThat(answer.getStatusCode().value()).isEqualTo(503);
                    assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
                            .isEqualTo("600");
                });
        clock.advance(Duration.ofMinutes(10));
        assertThatThrownBy(() -> s.get(first, null)).isInstanceOf(JobNotFoundException.class);
        assertThat(s.size()).isEqualTo(1);
        String third = id(s.submit("t", request(null), p -> "three"));
        release.countDown();
        assertThat(await(second, null, JobServiceTest::finished).state()).isEqualTo("succeeded");
        assertThat(await(third, null, JobServiceTest::finished).state()).isEqualTo("succeeded");
    }

    @Test
    void finishedJobsExpireAfterTheTtlAndTheirBytesAreReleased() throws Exception {
        JobService s = service(4, DataSize.ofKilobytes(2), DataSize.ofKilobytes(2));
        String big = "x".repeat(1500);
        String a = id(s.submit("t", request(null), p -> big));
        JobView done = await(a, null, JobServiceTest::finished);
        assertThat(done.state()).isEqualTo("succeeded");
        assertThat(done.expiresAt()).isEqualTo(done.finishedAt().plus(Duration.ofMinutes(15)));

        // a second result of 1500 bytes does not fit in 2 KB with the first stored: failed with a clear problem
        String b = id(s.submit("t", request(null), p -> big));
        JobView rejected = await(b, null, JobServiceTest::finished);
        assertThat(rejected.state()).isEqualTo("failed");
        assertThat(rejected.error().get("status")).isEqualTo(507);
        assertThat(rejected.error().get("type")).isEqualTo(Problems.JOB_RESULT_TOO_LARGE.toString());
        assertThat((String) rejected.error().get("detail")).contains("salience.jobs.max-result-bytes", "1500");
        assertThatThrownBy(() -> s.result(b, null))
                .isInstanceOfSatisfying(JobNotSucceededException.class, e -> assertThat(e.state())
                        .isEqualTo("failed"));

        clock.advance(Duration.ofMinutes(15));
        assertThatThrownBy(() -> s.get(a, null)).isInstanceOf(JobNotFoundException.class);
        String c = id(s.submit("t", request(null), p -> big));
        assertThat(await(c, null, JobServiceTest::finished).state())
                .as("the expired result's bytes were released")
                .isEqualTo("succeeded");
    }

    @Test
    void aResultOverThePerResultBoundFailsItsJob() throws Exception {
        JobService s = service(4, DataSize.ofKilobytes(4), DataSize.ofKilobytes(1));
        String id = id(s.submit("t", request(null), p -> "y".repeat(1025)));
        JobView v = await(id, null, JobServiceTest::finished);
        assertThat(v.state()).isEqualTo("failed");
        assertThat((String) v.error().get("detail")).contains("1025 bytes", "salience.jobs.max-result-size");
    }

    @Test
    void aFailureCarriesTheAdvicesProblemAndTheWorkRunsAtBackgroundPriority() throws Exception {
        JobService s = service();
        AtomicBoolean background = new AtomicBoolean();
        String id = id(s.submit("t", request(ALICE), p -> {
            background.set(BackgroundPriority.isBackground());
            p.update(3, 4, "steps");
            throw new InvalidParameterException("steps", "steps must be in 1..512, got 0");
        }));
        JobView v = await(id, ALICE, JobServiceTest::finished);
        assertThat(background).isTrue();
        assertThat(v.state()).isEqualTo("failed");
        assertThat(v.progress().percent()).isEqualTo(75);
        assertThat(v.progress().step()).isEqualTo("steps");
        assertThat(v.error())
                .containsEntry("status", 400)
                .containsEntry("type", Problems.INVALID_PARAMETER.toString())
                .containsEntry("title", "Invalid parameter")
                .containsEntry("detail", "steps must be in 1..512, got 0")
                .containsEntry("parameter", "steps")
                .containsEntry("instance", "/v1/test");
    }

    @Test
    void deleteCancelsAQueuedJobBeforeItRunsAndARunningOneByInterrupting() throws Exception {
        JobService s = service(); // max-running 1
        CountDownLatch entered = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        String running = id(s.submit("t", request(null), p -> {
            entered.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
            return "never";
        }));
        AtomicBoolean queuedRan = new AtomicBoolean();
        String queued = id(s.submit("t", request(null), p -> {
            queuedRan.set(true);
            return "never";
        }));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(s.get(queued, null).state()).isEqualTo("queued");
        s.delete(queued, null);
        s.delete(running, null);
        assertThat(s.get(running, null).state()).isEqualTo("cancelled");
        assertThat(s.get(queued, null).state()).isEqualTo("cancelled");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!interrupted.get() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(interrupted).as("the running job's thread was interrupted").isTrue();
        String next = id(s.submit("t", request(null), p -> "next"));
        assertThat(await(next, null, JobServiceTest::finished).state()).isEqualTo("succeeded");
        assertThat(queuedRan).as("a job cancelled while queued never runs").isFalse();
        assertThat(s.get(running, null).state()).isEqualTo("cancelled");
    }

    @Test
    void propertiesOutsideTheirLimitsAreRejected() {
        DataSize mb = DataSize.ofMegabytes(1);
        Duration ttl = Duration.ofMinutes(1);
        assertThatThrownBy(() -> new JobProperties(0, 1, mb, mb, ttl)).hasMessageContaining("max-jobs");
        assertThatThrownBy(() -> new JobProperties(1, 65, mb, mb, ttl)).hasMessageContaining("max-running");
        assertThatThrownBy(() -> new JobProperties(1, 1, mb, DataSize.ofMegabytes(2), ttl))
                .hasMessageContaining("max-result-size");
        assertThatThrownBy(() -> new JobProperties(1, 1, mb, mb, Duration.ofMillis(10)))
                .hasMessageContaining("ttl");
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
