package io.salience.jobs;

/** No such job for this principal: unknown, expired, deleted, or another principal's (404). */
public class JobNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    JobNotFoundException(String id) {
        super("No job " + id + " (unknown, expired or deleted)");
    }
}
