package io.salience.jobs;

/** A job's result was asked for while the job has none (409). */
public class JobNotSucceededException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String state;

    JobNotSucceededException(String id, String state) {
        super("Job " + id + " is " + state + "; its result exists once it has succeeded");
        this.state = state;
    }

    /** The job's state, e.g. {@code running}. */
    public String state() {
        return state;
    }
}
