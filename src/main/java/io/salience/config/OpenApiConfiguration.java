package io.salience.config;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Title and description of the published OpenAPI contract ({@code openapi.yaml}). */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

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
}
