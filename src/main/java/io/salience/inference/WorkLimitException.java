package io.salience.inference;

/**
 * A request would schedule more rows (session-run inputs: steps x samples, masks, perturbations) than its model
 * allows ({@code limits.max-rows} in the descriptor, {@code salience.api.max-rows} otherwise). HTTP 422
 * {@code too-much-work}.
 */
public class WorkLimitException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long rows;
    private final long maxRows;

    /**
     * Creates the exception.
     *
     * @param rows the rows the request would schedule (or had scheduled when it went over)
     * @param maxRows the cap
     */
    public WorkLimitException(long rows, long maxRows) {
        super("this request would run " + rows + " model rows, more than this model's cap of " + maxRows
                + " (limits.maxRows in its model.yaml; by default salience.api.max-rows, or max-job-rows for an async job); lower steps, samples,"
                + " masks or the number of patches");
        this.rows = rows;
        this.maxRows = maxRows;
    }

    /** The rows the request would schedule. */
    public long rows() {
        return rows;
    }

    /** The cap. */
    public long maxRows() {
        return maxRows;
    }
}
