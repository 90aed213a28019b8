package io.salience.api;

import java.net.URI;

/** Stable problem type URIs (RFC 9457) used in every error response. */
public final class Problems {

    private static final String BASE = "urn:salience:problem:";

    public static final URI UNKNOWN_MODEL = URI.create(BASE + "unknown-model");
    public static final URI MODEL_UNAVAILABLE = URI.create(BASE + "model-unavailable");
    public static final URI INVALID_PARAMETER = URI.create(BASE + "invalid-parameter");
    public static final URI UNSUPPORTED_MEDIA_TYPE = URI.create(BASE + "unsupported-media-type");
    public static final URI UNDECODABLE_IMAGE = URI.create(BASE + "undecodable-image");
    public static final URI TOO_LARGE = URI.create(BASE + "too-large");
    public static final URI UNSUPPORTED_MODEL = URI.create(BASE + "unsupported-model");
    public static final URI OVERLOADED = URI.create(BASE + "overloaded");
    public static final URI TOO_MUCH_WORK = URI.create(BASE + "too-much-work");
    public static final URI NOT_ACCEPTABLE = URI.create(BASE + "not-acceptable");
    public static final URI NOT_FOUND = URI.create(BASE + "not-found");
    public static final URI METHOD_NOT_ALLOWED = URI.create(BASE + "method-not-allowed");
    public static final URI JOB_NOT_SUCCEEDED = URI.create(BASE + "job-not-succeeded");
    public static final URI JOB_STORE_FULL = URI.create(BASE + "job-store-full");
    public static final URI JOB_RESULT_TOO_LARGE = URI.create(BASE + "job-result-too-large");
    public static final URI INTERNAL = URI.create(BASE + "internal-error");

    private Problems() {}
}
