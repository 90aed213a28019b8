package io.salience.config;

import io.salience.imaging.ImageDecoder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Imaging beans. */
@Configuration(proxyBeanMethods = false)
class ImagingConfiguration {

    @Bean
    ImageDecoder imageDecoder(ApiProperties props) {
        return new ImageDecoder(props.maxPixels());
    }
}
