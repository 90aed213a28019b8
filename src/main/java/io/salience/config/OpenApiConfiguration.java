package io.salience.config;

import io.salience.attribution.ParamSpec;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.SaliencyQuery;
import io.salience.evaluation.ComparisonQuery;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.Encoding;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.NumberSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The published OpenAPI contract ({@code openapi.yaml}): title, the problem+json error responses, and the saliency
 * query parameters, generated from their {@link ParamSpec} declarations (common ones in {@link SaliencyQuery}, method
 * ones in each {@link SaliencyMethod} bean), so each is written down once.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String PROBLEM = "Problem";
    private static final String SALIENCY = "/v1/models/{model}/saliency";
    private static final String COMPARE = "/v1/models/{model}/compare";
    private static final String JOB_RESULT = "/v1/jobs/{id}/result";
    private static final List<String> MODEL_WORK = List.of("/v1/models/{model}/predict", SALIENCY, COMPARE);

    @Bean
    OpenAPI salienceOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("Salience")
                        .version("v1")
                        .description("Saliency maps for TensorFlow image classifiers: upload an image, name a method"
                                + " (default gradient) and a target, get the map as PNG, JSON or NPY. Errors are"
                                + " RFC 9457 application/problem+json."));
    }

    /** The problem+json responses: 404, 405 and 500 everywhere, the rest on the two endpoints that run models. */
    @Bean
    OpenApiCustomizer problemResponses() {
        return openApi -> {
            if (openApi.getComponents() == null) {
                openApi.setComponents(new Components());
            }
            openApi.getComponents().addSchemas(PROBLEM, problemSchema());
            if (openApi.getPaths() == null) {
                return;
            }
            openApi.getPaths().forEach((path, item) -> {
                for (Operation op : item.readOperations()) {
                    ApiResponses responses = op.getResponses();
                    responses.addApiResponse(
                            "404", problem(path.contains("{model}") ? "unknown-model, or not-found" : "not-found"));
                    responses.addApiResponse(
                            "405",
                            problem("method-not-allowed; the Allow header lists the allowed methods")
                                    .addHeaderObject(
                                            "Allow",
                                            new Header()
                                                    .description("The HTTP methods the resource supports")
                                                    .schema(new StringSchema())));
                    responses.addApiResponse("500", problem("internal-error, written without internals"));
                }
            });
            for (String path : MODEL_WORK) {
                PathItem item = openApi.getPaths().get(path);
                if (item == null || item.getPost() == null) {
                    continue;
                }
                modelWorkResponses(item.getPost().getResponses());
                uploads(item.getPost());
            }
            PathItem jobResult = openApi.getPaths().get(JOB_RESULT);
            if (jobResult != null && jobResult.getGet() != null) {
                jobResult
                        .getGet()
                        .getResponses()
                        .addApiResponse(
                                "409", problem("job-not-succeeded: the job has no result (yet); its state says why"));
            }
        };
    }

    /** The saliency endpoint's query parameters, typed, with defaults and limits. */
    @Bean
    OpenApiCustomizer saliencyParameters(List<SaliencyMethod> methods) {
        return openApi -> {
            PathItem item =
                    openApi.getPaths() == null ? null : openApi.getPaths().get(SALIENCY);
            if (item == null || item.getPost() == null) {
                return;
            }
            Map<String, SaliencyMethod> byName = new TreeMap<>();
            methods.forEach(m -> byName.put(m.name(), m));
            Map<String, List<Declared>> declared = new LinkedHashMap<>();
            for (ParamSpec s : SaliencyQuery.COMMON) {
                declared.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(new Declared(s, List.of()));
            }
            for (SaliencyMethod m : byName.values()) {
                for (ParamSpec s : m.parameters()) {
                    List<Declared> list = declared.computeIfAbsent(s.name(), k -> new ArrayList<>());
                    Declared same = list.stream()
                            .filter(d -> d.spec().equals(s))
                            .findFirst()
                            .orElse(null);
                    if (same == null) {
                        list.add(new Declared(s, new ArrayList<>(List.of(m.name()))));
                    } else {
                        same.methods().add(m.name());
                    }
                }
            }
            Operation op = item.getPost();
            List<Parameter> params = new ArrayList<>();
            if (op.getParameters() != null) {
                op.getParameters().stream()
                        .filter(p -> "path".equals(p.getIn()) || "async".equals(p.getName()))
                        .forEach(params::add);
            }
            declared.forEach((name, list) -> params.add(parameter(name, list, byName.keySet())));
            op.setParameters(params);
        };
    }

    /** The compare endpoint's query parameters, from {@link ComparisonQuery#SPECS}. */
    @Bean
    OpenApiCustomizer compareParameters(List<SaliencyMethod> methods) {
        return openApi -> {
            PathItem item =
                    openApi.getPaths() == null ? null : openApi.getPaths().get(COMPARE);
            if (item == null || item.getPost() == null) {
                return;
            }
            Set<String> names = new TreeSet<>();
            methods.forEach(m -> names.add(m.name()));
            Operation op = item.getPost();
            List<Parameter> params = new ArrayList<>();
            if (op.getParameters() != null) {
                op.getParameters().stream()
                        .filter(p -> "path".equals(p.getIn()) || "async".equals(p.getName()))
                        .forEach(params::add);
            }
            for (ParamSpec s : ComparisonQuery.SPECS) {
                params.add(parameter(s.name(), List.of(new Declared(s, List.of())), names));
            }
            op.setParameters(params);
        };
    }

    /** A spec and the methods that declare it (empty for a common parameter). */
    private record Declared(ParamSpec spec, List<String> methods) {}

    private static Parameter parameter(String name, List<Declared> list, Set<String> methodNames) {
        List<String> parts = new ArrayList<>();
        for (Declared d : list) {
            String who = d.methods().isEmpty() ? "" : String.join(", ", d.methods()) + ": ";
            parts.add(who + d.spec().documented());
        }
        ParamSpec first = list.get(0).spec();
        // where the methods differ in their default, the description states each
        boolean oneDefault =
                list.stream().map(d -> d.spec().defaultValue()).distinct().count() == 1;
        Schema<?> schema = schema(first, oneDefault);
        if (list.size() > 1) {
            Set<String> values = new LinkedHashSet<>();
            list.forEach(d -> {
                if (d.spec().values() != null) {
                    values.addAll(d.spec().values());
                }
            });
            if (schema instanceof StringSchema str && !values.isEmpty()) {
                str.setEnum(new ArrayList<>(values));
            }
        }
        if (first == SaliencyQuery.METHOD) {
            List<String> names = new ArrayList<>(methodNames);
            names.add("grad-cam-plus-plus");
            ((StringSchema) schema).setEnum(names);
        }
        return new Parameter()
                .name(name)
                .in("query")
                .required(false)
                .allowEmptyValue(true)
                .description(String.join(" | ", parts))
                .schema(schema);
    }

    private static Schema<?> schema(ParamSpec s, boolean withDefault) {
        return switch (s.type()) {
            case "integer" -> {
                IntegerSchema i = new IntegerSchema();
                if (s.maximum().longValue() > Integer.MAX_VALUE || s.minimum().longValue() < Integer.MIN_VALUE) {
                    i.format("int64");
                }
                i.minimum(new BigDecimal(s.minimum().toString()))
                        .maximum(new BigDecimal(s.maximum().toString()));
                if (withDefault && s.defaultValue().matches("-?\\d+")) {
                    i.setDefault(Long.valueOf(s.defaultValue()));
                }
                yield i;
            }
            case "number" -> {
                NumberSchema n = new NumberSchema();
                n.minimum(new BigDecimal(s.minimum().toString()))
                        .maximum(new BigDecimal(s.maximum().toString()));
                if (s.limits().startsWith("(")) {
                    n.exclusiveMinimumValue(n.getMinimum());
                    n.setMinimum(null);
                }
                if (withDefault) {
                    n.setDefault(new BigDecimal(s.defaultValue()));
                }
                yield n;
            }
            case "choice" -> {
                StringSchema c = new StringSchema();
                c.setEnum(new ArrayList<>(s.values()));
                if (withDefault) {
                    c.setDefault(s.defaultValue());
                }
                yield c;
            }
            default -> {
                StringSchema t = new StringSchema();
                if (withDefault) {
                    t.setDefault(s.defaultValue());
                }
                yield t;
            }
        };
    }

    /** The multipart body is required, at least one image, each part an image format the decoder reads. */
    private static void uploads(Operation op) {
        if (op.getRequestBody() == null || op.getRequestBody().getContent() == null) {
            return;
        }
        op.getRequestBody().setRequired(true);
        MediaType multipart = op.getRequestBody().getContent().get("multipart/form-data");
        if (multipart == null
                || multipart.getSchema() == null
                || multipart.getSchema().getProperties() == null) {
            return;
        }
        Map<String, Schema> parts = multipart.getSchema().getProperties();
        parts.forEach((name, schema) -> {
            if (schema.getItems() != null) {
                schema.setMinItems(1);
            }
            String images = "image/png, image/jpeg, image/bmp, image/gif, image/tiff";
            multipart.addEncoding(
                    name, new Encoding().contentType("region".equals(name) ? images + ", application/json" : images));
        });
    }

    private static void modelWorkResponses(ApiResponses responses) {
        responses.addApiResponse("400", problem("invalid-parameter: a parameter out of range, or a malformed upload"));
        responses.addApiResponse("406", problem("not-acceptable: an Accept the endpoint cannot produce"));
        responses.addApiResponse("413", problem("too-large: the upload or the image exceeds salience.api limits"));
        responses.addApiResponse("415", problem("unsupported-media-type: not a supported image format"));
        responses.addApiResponse(
                "422",
                problem("undecodable-image, or unsupported-model (e.g. guided backprop on a model without"
                        + " rectifiers)"));
        responses.addApiResponse(
                "503",
                problem("overloaded (queue full, max-in-flight reached, deadline passed, shutting down; with"
                                + " Retry-After), model-unavailable (still loading or failed), or job-store-full"
                                + " (async=true with salience.jobs.max-jobs jobs held; with Retry-After)")
                        .addHeaderObject(
                                "Retry-After",
                                new Header()
                                        .description("Seconds to wait before retrying (overloaded:"
                                                + " salience.pool.retry-after; job-store-full: until a finished"
                                                + " job expires)")
                                        .schema(new IntegerSchema())));
    }

    private static ApiResponse problem(String description) {
        return new ApiResponse()
                .description(description)
                .content(new Content()
                        .addMediaType(
                                PROBLEM_JSON,
                                new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
    }

    private static Schema<?> problemSchema() {
        return new ObjectSchema()
                .description("RFC 9457 problem details")
                .addProperty("type", new StringSchema().description("Stable problem type, urn:salience:problem:..."))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema().description("What went wrong, for the client"))
                .addProperty("instance", new StringSchema().description("The request path"))
                .addProperty(
                        "parameter", new StringSchema().description("invalid-parameter only: the parameter at fault"))
                .addProperty(
                        "reason",
                        new StringSchema()
                                .description("overloaded only: queue_full, deadline, cancelled or shutting_down"));
    }
}
