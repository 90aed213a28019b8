package io.salience.config;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.List;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Title and description of the published OpenAPI contract ({@code openapi.yaml}), and its error responses. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String PROBLEM = "Problem";

    @Bean
    OpenAPI salienceOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("Salience")
                        .version("v1")
                        .description("Saliency maps for TensorFlow image classifiers: upload an image, name a method"
                                + " and a target, get the map as PNG, JSON or NPY. Errors are RFC 9457"
                                + " application/problem+json."));
    }

    /** The problem+json responses of the two endpoints that run models (see {@code ProblemAdvice}). */
    @Bean
    OpenApiCustomizer problemResponses() {
        return openApi -> {
            if (openApi.getComponents() == null) {
                openApi.setComponents(new Components());
            }
            openApi.getComponents().addSchemas(PROBLEM, problemSchema());
            for (String path : List.of("/v1/models/{model}/predict", "/v1/models/{model}/saliency")) {
                PathItem item =
                        openApi.getPaths() == null ? null : openApi.getPaths().get(path);
                if (item == null || item.getPost() == null) {
                    continue;
                }
                ApiResponses responses = item.getPost().getResponses();
                responses.addApiResponse(
                        "400", problem("invalid-parameter: a parameter out of range, or a malformed upload"));
                responses.addApiResponse("404", problem("unknown-model"));
                responses.addApiResponse("406", problem("not-acceptable: an Accept the endpoint cannot produce"));
                responses.addApiResponse(
                        "413", problem("too-large: the upload or the image exceeds salience.api limits"));
                responses.addApiResponse("415", problem("unsupported-media-type: not a supported image format"));
                responses.addApiResponse(
                        "422",
                        problem("undecodable-image, or unsupported-model (e.g. guided backprop on a model without"
                                + " rectifiers)"));
                responses.addApiResponse(
                        "503",
                        problem("overloaded (queue full, max-in-flight reached, deadline passed, shutting down; with"
                                        + " Retry-After), or model-unavailable (still loading or failed)")
                                .addHeaderObject(
                                        "Retry-After",
                                        new Header()
                                                .description("Seconds to wait before retrying (overloaded only);"
                                                        + " salience.pool.retry-after")
                                                .schema(new IntegerSchema())));
            }
        };
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
                        "reason",
                        new StringSchema()
                                .description("overloaded only: queue_full, deadline, cancelled or shutting_down"));
    }
}
