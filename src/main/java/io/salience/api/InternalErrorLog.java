package io.salience.api;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs unhandled errors so that no request can flood the log: one WARN line (no stack trace) at most every
 * {@link #INTERVAL_NANOS}, counting the errors since the last one; the stack trace of each error at DEBUG only.
 */
public final class InternalErrorLog {

    /** At most one WARN summary per this many nanoseconds: 10 s. */
    static final long INTERVAL_NANOS = 10_000_000_000L;

    private final Logger log;
    private final AtomicLong lastReport = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    public InternalErrorLog(Logger log) {
        this.log = log;
    }

    /** Records one unhandled error of a request to {@code where}. */
    public void record(String where, Throwable e) {
        log.debug("Unhandled error on {}", where, e);
        long now = System.nanoTime();
        long last = lastReport.get();
        if (now - last >= INTERVAL_NANOS && lastReport.compareAndSet(last, now)) {
            long others = suppressed.getAndSet(0);
            log.warn(
                    "Unhandled error on {}: {}: {} ({} more since the last report; stack traces at DEBUG)",
                    where,
                    e.getClass().getName(),
                    e.getMessage(),
                    others);
        } else {
            suppressed.incrementAndGet();
        }
    }
}
