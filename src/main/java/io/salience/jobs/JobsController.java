package io.salience.jobs;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.security.Principal;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Async jobs: state and progress, the result, cancellation (see {@link JobService}). */
@RestController
@Tag(name = "jobs", description = "Async jobs (async=true on long endpoints); in memory, a restart loses them")
public class JobsController {

    private final JobService jobs;

    public JobsController(JobService jobs) {
        this.jobs = jobs;
    }

    @GetMapping(path = "/v1/jobs/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            operationId = "getJob",
            summary = "A job's state, progress (0-100 with the current step), and its JSON result or its problem",
            description = "404 for an unknown, expired or deleted job, and for another principal's job.")
    public JobView job(@PathVariable("id") String id, Principal principal) {
        return jobs.get(id, principal);
    }

    @GetMapping(path = "/v1/jobs/{id}/result")
    @Operation(
            operationId = "getJobResult",
            summary = "A succeeded job's result: the synchronous response's bytes, media type and X-Saliency-* headers",
            description = "409 while the job has not succeeded.",
            responses =
                    @ApiResponse(
                            responseCode = "200",
                            description = "The result",
                            content =
                                    @Content(mediaType = "*/*", schema = @Schema(type = "string", format = "binary"))))
    public ResponseEntity<byte[]> result(@PathVariable("id") String id, Principal principal) {
        return jobs.result(id, principal);
    }

    @DeleteMapping("/v1/jobs/{id}")
    @Operation(
            operationId = "deleteJob",
            summary = "Cancels a queued or running job (its queued pool work is dropped) or deletes a finished one")
    @ApiResponse(responseCode = "204", description = "Cancelled or deleted")
    public ResponseEntity<Void> delete(@PathVariable("id") String id, Principal principal) {
        jobs.delete(id, principal);
        return ResponseEntity.noContent().build();
    }
}
