package io.salience.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.salience.testing.PoolSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** Small Spring slice: property binding and validation, constructor injection, lifecycle, Prometheus names. */
class InferencePoolSpringTest {

    private final ApplicationContextRunner contextRunner =
            new ApplicationContextRunner().withUserConfiguration(PoolConfig.class);

    @Test
    void bindsDefaults() {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            PoolProperties bound = context.getBean(PoolProperties.class);
            assertThat(bound)
                    .isEqualTo(PoolSettings.defaults().withMaxInFlight(-1).build());
            // the shipped max-in-flight: one per core, at least 2
            assertThat(bound.effectiveMaxInFlight())
                    .isEqualTo(Math.max(2, Runtime.getRuntime().availableProcessors()));
        });
    }

    @Test
    void bindsKebabCaseProperties() {
        contextRunner
                .withPropertyValues(
                        "salience.pool.concurrency=3",
                        "salience.pool.queue-capacity=500",
                        "salience.pool.max-batch=256",
                        "salience.pool.batching=false",
                        "salience.pool.batch-window=5ms",
                        "salience.pool.default-deadline=2m",
                        "salience.pool.retry-after=3s",
                        "salience.pool.shutdown-timeout=10s",
                        "salience.pool.max-queue-wait=250ms",
                        "salience.pool.max-in-flight=12")
                .run(context -> assertThat(context.getBean(PoolProperties.class))
                        .isEqualTo(new PoolProperties(
                                3,
                                500,
                                256,
                                false,
                                Duration.ofMillis(5),
                                Duration.ofMinutes(2),
                                Duration.ofSeconds(3),
                                Duration.ofSeconds(10),
                                Duration.ofMillis(250),
                                12)));
    }

    @Test
    void rejectsOutOfRangeSettingsAtStartup() {
        for (String bad : List.of(
                "salience.pool.concurrency=0",
                "salience.pool.concurrency=65",
                "salience.pool.queue-capacity=100001",
                "salience.pool.max-batch=4097",
                "salience.pool.batch-window=2s",
                "salience.pool.default-deadline=11m",
                "salience.pool.default-deadline=0s",
                "salience.pool.retry-after=-1s",
                "salience.pool.max-queue-wait=11m",
                "salience.pool.max-in-flight=-2")) {
            contextRunner.withPropertyValues(bad).run(context -> assertThat(context)
                    .as(bad)
                    .hasFailed()
                    .getFailure()
                    .hasStackTraceContaining(bad.substring("salience.pool.".length(), bad.indexOf('='))));
        }
    }

    @Test
    void poolRunsInTheContextStopsWithItAndExportsStablePrometheusNames() {
        AtomicReference<InferencePool> ref = new AtomicReference<>();
        contextRunner.run(context -> {
            InferencePool pool = context.getBean(InferencePool.class);
            ref.set(pool);
            assertThat(pool.isAcceptingWork()).isTrue();
            assertThat(pool.isRunning()).isTrue();
            BatchKey key = new BatchKey("demo", "layer-gradient:last_conv:plain");
            assertThat(pool.call(key, List.of(1, 2), (k, rows) -> rows.stream()
                            .map(r -> r + 1)
                            .toList()))
                    .containsExactly(2, 3);
            String scrape = context.getBean(PrometheusMeterRegistry.class).scrape();
            assertThat(scrape)
                    .contains("salience_queue_wait_seconds_bucket")
                    .contains("salience_compute_seconds_bucket")
                    .contains("method=\"layer-gradient:last_conv:plain\"")
                    .contains("model=\"demo\"")
                    .contains("salience_batch_size_bucket")
                    .contains("salience_inflight")
                    .contains("salience_queue_depth")
                    .contains("salience_requests_in_flight")
                    .contains("salience_rejected_total")
                    .contains("reason=\"queue_full\"")
                    .contains("salience_requests_accepted_total")
                    .contains("salience_requests_completed_total")
                    .contains("salience_requests_failed_total");
        });
        assertThat(ref.get().isAcceptingWork()).isFalse();
        assertThat(ref.get().isRunning()).isFalse();
        assertThat(ref.get().workerThreads()).noneMatch(Thread::isAlive);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(PoolProperties.class)
    @Import(InferencePool.class)
    static class PoolConfig {

        @Bean
        PrometheusMeterRegistry prometheusMeterRegistry() {
            return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        }
    }
}
