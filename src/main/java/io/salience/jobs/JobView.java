package io.salience.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.Map;

/**
 * A job as {@code GET /v1/jobs/{id}} shows it. Absent fields are left out.
 *
 * @param id the job's id (a random UUID)
 * @param kind what the job does, e.g. {@code saliency}
 * @param state queued, running, succeeded, failed or cancelled
 * @param progress how far the work is
 * @param createdAt when it was submitted
 * @param startedAt when it started running
 * @param finishedAt when it ended (succeeded, failed or cancelled)
 * @param expiresAt when a finished job is removed
 * @param resultType the result's media type, when succeeded
 * @param resultUrl where the result is, when succeeded
 * @param result the result itself when it is JSON
 * @param error the problem the synchronous call would have answered, when failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(
        String id,
        String kind,
        @Schema(allowableValues = {"queued", "running", "succeeded", "failed", "cancelled"}) String state,
        Progress progress,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Instant expiresAt,
        String resultType,
        String resultUrl,
        @Schema(description = "The result when it is JSON (the synchronous endpoint's body)") Object result,
        @Schema(description = "An RFC 9457 problem (type, title, status, detail, instance, ...)")
                Map<String, Object> error) {

    /**
     * Progress of a job.
     *
     * @param percent 0..100
     * @param done units done (rows, masks, samples, steps), as the method reports them
     * @param total units in all
     * @param step what is being done, e.g. {@code masks}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Progress(int percent, long done, long total, String step) {}
}
