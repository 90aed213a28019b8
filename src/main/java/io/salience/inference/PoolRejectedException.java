package io.salience.inference;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The pool did not (or will not) run a request. The API layer maps it to {@code 503 Service Unavailable} with a
 * {@code Retry-After} header taken from {@link #retryAfter()} and a problem+json body.
 *
 * <p>{@link Reason#QUEUE_FULL} and {@link Reason#SHUTTING_DOWN} are thrown synchronously by
 * {@link InferencePool#submit} (no blocking). {@link Reason#DEADLINE}, {@link Reason#CANCELLED} and
 * {@link Reason#SHUTTING_DOWN} (shutdown timeout) fail the future of an admitted request.
 */
public class PoolRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a request was rejected; {@link #tag()} is the {@code reason} tag of {@code salience.rejected}. */
    public enum Reason {
        /** {@code salience.pool.queue-capacity} requests are already waiting. */
        QUEUE_FULL,
        /** The request's deadline passed before it completed; rows not yet started never run. */
        DEADLINE,
        /** The caller cancelled the future (or its waiting thread was interrupted); rows not yet started never run. */
        CANCELLED,
        /** The pool is shutting down: no new requests, and admitted ones not finished within the timeout fail. */
        SHUTTING_DOWN;

        /** Lower-case metric tag value, e.g. {@code queue_full}. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;
    private final Duration retryAfter;

    /**
     * Creates the exception.
     *
     * @param reason why
     * @param retryAfter suggested client back-off ({@code salience.pool.retry-after})
     * @param message detail message
     */
    public PoolRejectedException(Reason reason, Duration retryAfter, String message) {
        this(reason, retryAfter, message, null);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param reason why
     * @param retryAfter suggested client back-off ({@code salience.pool.retry-after})
     * @param message detail message
     * @param cause the underlying cause, e.g. an {@link InterruptedException}; may be {@code null}
     */
    public PoolRejectedException(Reason reason, Duration retryAfter, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** Why the request was rejected. */
    public Reason reason() {
        return reason;
    }

    /** Suggested client back-off; round up to whole seconds for a {@code Retry-After} header. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** {@code Retry-After} in whole seconds, at least 1, as every route sends it. */
    public String retryAfterSeconds() {
        return Long.toString(Math.max(1, (retryAfter().toMillis() + 999) / 1000));
    }
}
