package io.salience.inference;

import java.util.function.BooleanSupplier;

/**
 * Tells a thread waiting in {@link InferencePool#call} whether its client has gone. The web layer binds a check to
 * the request thread; while the call waits, the pool runs it every {@link #CHECK_INTERVAL_MS} ms and, once it says
 * the client is gone, cancels the request's work that has not started ({@code salience_rejected_total
 * {reason="cancelled"}}). The job service binds a job's cancel flag the same way, so {@code DELETE /v1/jobs/{id}} drops
 * the job's queued work.
 */
public final class ClientLiveness {

    /** How often a waiting call checks its client, in milliseconds. */
    public static final long CHECK_INTERVAL_MS = 50;

    private static final ThreadLocal<BooleanSupplier> GONE = new ThreadLocal<>();

    private ClientLiveness() {}

    /** Binds {@code gone} (true once the client has disconnected) to the current thread. */
    public static void bind(BooleanSupplier gone) {
        GONE.set(gone);
    }

    /** Removes the current thread's check. */
    public static void clear() {
        GONE.remove();
    }

    static BooleanSupplier current() {
        return GONE.get();
    }
}
