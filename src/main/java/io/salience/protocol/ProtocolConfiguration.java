package io.salience.protocol;

import io.salience.inference.InferencePool;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/** Admission of the protocol routes' model work, as first filter beside the native routes' one. */
@Configuration(proxyBeanMethods = false)
class ProtocolConfiguration {

    @Bean
    FilterRegistrationBean<ProtocolAdmissionFilter> protocolAdmissionFilter(
            InferencePool pool,
            JsonMapper json,
            @Value("${spring.servlet.multipart.max-request-size:100MB}") DataSize maxBody) {
        FilterRegistrationBean<ProtocolAdmissionFilter> registration =
                new FilterRegistrationBean<>(new ProtocolAdmissionFilter(pool, json, maxBody.toBytes()));
        registration.addUrlPatterns("/v2/models/*", "/v1/models/*");
        // right after the audit filter (io.salience.audit), so refusals are audited too
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }
}
