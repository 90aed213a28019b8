package io.salience.api;

import io.salience.inference.InferencePool;
import java.util.List;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.ContentNegotiationConfigurer;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Admission of model work (first filter), disconnect detection on the endpoints that run models, and the binding of
 * {@code SaliencyQuery}.
 */
@Configuration(proxyBeanMethods = false)
class WebConfiguration implements WebMvcConfigurer {

    @Bean
    FilterRegistrationBean<AdmissionFilter> admissionFilter(InferencePool pool, JsonMapper json) {
        FilterRegistrationBean<AdmissionFilter> registration =
                new FilterRegistrationBean<>(new AdmissionFilter(pool, json));
        registration.addUrlPatterns("/v1/models/*");
        // right after the audit filter (io.salience.audit), so refusals are audited too
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }

    /** Tomcat's own errors (before Spring: a malformed request line or header) as problem+json. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return ProblemErrorReportValve::install;
    }

    /** {@code Accept} ranges with {@code q=0} are "not acceptable" (RFC 9110 section 12.4.2): none left is a 406. */
    @Override
    public void configureContentNegotiation(ContentNegotiationConfigurer configurer) {
        configurer.strategies(List.of(new QualityAwareNegotiation()));
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new SaliencyQueryResolver());
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new DisconnectInterceptor())
                .addPathPatterns(
                        "/v1/models/*/predict",
                        "/v1/models/*/saliency",
                        // the serving protocols' model routes (io.salience.protocol)
                        "/v2/models/*/infer",
                        "/v2/models/*/versions/*/infer",
                        "/v1/models/*:predict",
                        "/v1/models/*:explain");
    }
}
