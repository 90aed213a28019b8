package io.salience.jobs;

import java.time.Duration;

/** The job store holds {@code salience.jobs.max-jobs} jobs (503 with Retry-After). */
public class JobStoreFullException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Duration retryAfter;

    JobStoreFullException(int maxJobs, Duration retryAfter) {
        super("The job store is full (" + maxJobs + " jobs, salience.jobs.max-jobs); retry later, or DELETE"
                + " finished jobs");
        this.retryAfter = retryAfter;
    }

    /** When a slot is expected to free up. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** {@link #retryAfter()} in whole seconds, at least 1, for the {@code Retry-After} header. */
    public String retryAfterSeconds() {
        return Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000));
    }
}
