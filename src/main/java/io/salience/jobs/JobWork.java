package io.salience.jobs;

import io.salience.attribution.Progress;

/** The work of one job, run on a job thread by {@link JobService}. */
@FunctionalInterface
public interface JobWork {

    /**
     * Runs the work. Pool calls made inside run at background priority and are dropped on cancel.
     *
     * @param progress where the work reports its progress
     * @return the same object the synchronous endpoint would return (e.g. a {@code SaliencyResult}); the job service
     *     serialises it with the application's HTTP message converters for the {@code Accept} captured at submit
     * @throws Exception the failure, mapped to the problem the synchronous endpoint would answer
     */
    Object run(Progress progress) throws Exception;
}
