package io.salience.inference;

import io.salience.imaging.DecodedImage;
import io.salience.imaging.ImageDecoder;
import io.salience.inference.PoolRejectedException.Reason;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Decodes uploads on a bounded set of threads, under the request's budget. The request thread waits for its decode
 * at most until its deadline ({@link InferencePool#remainingNanos()}), and gives up when its client has gone
 * ({@link ClientLiveness}) or when shutdown has stopped waiting ({@link InferencePool#abandoned()}); then the decode is
 * aborted ({@link ImageDecoder.Abort}) and the request fails with {@link PoolRejectedException} (deadline,
 * cancelled, shutting down). At most {@code threads} decodes run at once and {@code queue} wait; one more is
 * refused with 503 at once. Decode threads are daemons, so a decode that ignores its abort cannot keep the process
 * alive.
 */
public class DecodePool implements AutoCloseable {

    /** Decode threads are named {@code salience-decode-<n>}. */
    public static final String THREAD_NAME_PREFIX = "salience-decode-";

    private final ImageDecoder decoder;
    private final InferencePool pool;
    private final ThreadPoolExecutor executor;

    /**
     * Creates the pool.
     *
     * @param decoder the decoder
     * @param pool where the request's budget and the shutdown state come from
     * @param threads decodes at once, at least 1
     * @param queue decodes waiting, at least 1
     */
    public DecodePool(ImageDecoder decoder, InferencePool pool, int threads, int queue) {
        this.decoder = decoder;
        this.pool = pool;
        AtomicInteger n = new AtomicInteger();
        this.executor =
                new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
                    Thread t = new Thread(r, THREAD_NAME_PREFIX + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
    }

    /** The decoder's own pixel limit ({@code salience.api.max-pixels}). */
    public long maxPixels() {
        return decoder.maxPixels();
    }

    /**
     * Decodes {@code bytes} with at most {@code pixelLimit} pixels, within the calling request's budget.
     *
     * @throws PoolRejectedException decoders busy, deadline passed, client gone, shutting down
     * @throws RuntimeException whatever the decoder throws (415, 413, 422)
     */
    public DecodedImage decode(byte[] bytes, long pixelLimit) {
        ImageDecoder.Abort abort = new ImageDecoder.Abort();
        Future<DecodedImage> task;
        try {
            task = executor.submit(() -> decoder.decode(bytes, pixelLimit, abort));
        } catch (RejectedExecutionException e) {
            throw new PoolRejectedException(
                    Reason.QUEUE_FULL, pool.properties().retryAfter(), "every image decoder is busy");
        }
        BooleanSupplier gone = ClientLiveness.current();
        long deadline = System.nanoTime() + pool.remainingNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw stop(
                            task, abort, Reason.DEADLINE, "the request's deadline passed while its image was decoded");
                }
                if (pool.abandoned()) {
                    throw stop(task, abort, Reason.SHUTTING_DOWN, "the service is shutting down");
                }
                try {
                    return task.get(
                            Math.min(left, TimeUnit.MILLISECONDS.toNanos(ClientLiveness.CHECK_INTERVAL_MS)),
                            TimeUnit.NANOSECONDS);
                } catch (TimeoutException stillDecoding) {
                    if (gone != null && gone.getAsBoolean()) {
                        throw stop(task, abort, Reason.CANCELLED, "the client disconnected during the decode");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw stop(task, abort, Reason.CANCELLED, "interrupted during the decode");
        } catch (CancellationException e) {
            throw new PoolRejectedException(Reason.CANCELLED, pool.properties().retryAfter(), "decode cancelled");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("decode failed", cause);
        }
    }

    private PoolRejectedException stop(Future<?> task, ImageDecoder.Abort abort, Reason reason, String message) {
        abort.abort();
        task.cancel(true);
        return new PoolRejectedException(reason, pool.properties().retryAfter(), message);
    }

    /** Decodes running or waiting, for tests and metrics. */
    public int busy() {
        return executor.getActiveCount() + executor.getQueue().size();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
