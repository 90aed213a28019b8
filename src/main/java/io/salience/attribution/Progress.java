package io.salience.attribution;

/**
 * Progress of a long explanation, reported by a method as its work proceeds: {@code done} of {@code total} units
 * (rows, masks, samples, steps) and the current step in words. The job API and the viewer show it; a method that
 * cannot tell ahead of time reports what it knows. Implementations must be cheap and thread-safe.
 */
@FunctionalInterface
public interface Progress {

    /** Reports nothing. */
    Progress NONE = (done, total, step) -> {};

    /**
     * Reports progress.
     *
     * @param done units finished, 0..total
     * @param total units in all, at least 1
     * @param step what is being done, e.g. {@code masks}
     */
    void update(long done, long total, String step);
}
