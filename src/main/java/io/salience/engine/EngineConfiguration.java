package io.salience.engine;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the TensorFlow runtime. */
@Configuration(proxyBeanMethods = false)
class EngineConfiguration {

    @Bean
    SavedModelLoader savedModelLoader(EngineProperties props) {
        return new SavedModelLoader(props);
    }
}
