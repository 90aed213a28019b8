package io.salience.api;

import io.salience.inference.InferencePool;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Fail-fast admission and disconnect detection on the endpoints that run models. */
@Configuration(proxyBeanMethods = false)
class WebConfiguration implements WebMvcConfigurer {

    private final InferencePool pool;

    WebConfiguration(InferencePool pool) {
        this.pool = pool;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new AdmissionInterceptor(pool))
                .addPathPatterns("/v1/models/*/predict", "/v1/models/*/saliency");
        registry.addInterceptor(new DisconnectInterceptor())
                .addPathPatterns("/v1/models/*/predict", "/v1/models/*/saliency");
    }
}
