package io.salience.audit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one request's audit line says, filled in as the request goes: by the audit filter (time, request id, status,
 * duration), the security chain (principal) and the controllers (model, input hashes, method, parameters). It holds
 * hashes and validated parameters only: never a file name, image metadata or pixels.
 */
public final class AuditRecord {

    String principal;
    String model;
    String modelVersion;
    String modelSha256;
    final List<String> inputSha256 = new ArrayList<>();
    String operation;
    Map<String, String> parameters;
    String explanationId;
    final List<String> explanationIds = new ArrayList<>();
    Map<String, Double> timings;

    AuditRecord() {}

    /** The authenticated principal's name. */
    public AuditRecord principal(String name) {
        this.principal = name;
        return this;
    }

    /** The model asked for (from the route). */
    public AuditRecord model(String name) {
        this.model = name;
        return this;
    }

    /** The model that answered, with its version and {@link io.salience.model.ModelDigest}. */
    public AuditRecord model(String name, String version, String sha256) {
        this.model = name;
        this.modelVersion = version;
        this.modelSha256 = sha256;
        return this;
    }

    /** An input's bytes, recorded as their SHA-256 (hex) only. */
    public AuditRecord input(String sha256) {
        inputSha256.add(sha256);
        return this;
    }

    /** What was asked: predict, or the saliency method's name; infer/predict/explain on the protocol routes. */
    public AuditRecord operation(String name) {
        this.operation = name;
        return this;
    }

    /** The parameters used (validated values, defaults filled in). */
    public AuditRecord parameters(Map<String, String> used) {
        this.parameters = used == null ? null : new LinkedHashMap<>(used);
        return this;
    }

    /** The explanation's id and stage timings, ms. */
    public AuditRecord explanation(String id, Map<String, Double> timings) {
        this.explanationId = id;
        this.timings = timings == null ? null : new LinkedHashMap<>(timings);
        return this;
    }

    /** One more explanation of a request with several maps ({@code methods=a,b,c}). */
    public AuditRecord explanationOf(String id) {
        explanationIds.add(id);
        return this;
    }
}
