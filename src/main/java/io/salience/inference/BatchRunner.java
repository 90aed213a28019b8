package io.salience.inference;

import java.util.List;

/**
 * Runs one merged batch in a single session run. Implemented by the engine, faked in tests.
 *
 * <p>Called only from {@link InferencePool} worker threads, never concurrently more often than
 * {@code salience.pool.concurrency}. Must not retain {@code rows} after returning.
 *
 * @param <R> row (input) type
 * @param <O> output type, one per row
 */
@FunctionalInterface
public interface BatchRunner<R, O> {

    /**
     * Runs {@code rows} as one batch.
     *
     * @param key the key shared by every request whose rows are in {@code rows}
     * @param rows the rows, never empty, at most {@code salience.pool.max-batch} long; unmodifiable
     * @return exactly one output per input row, in the same order
     * @throws Exception any failure; every request with rows in this batch then fails with an
     *     {@link InferenceException} caused by it
     */
    List<O> run(BatchKey key, List<R> rows) throws Exception;
}
