package io.salience.config;

import io.salience.imaging.ImageDecoder;
import io.salience.inference.DecodePool;
import io.salience.inference.InferencePool;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Imaging beans. */
@Configuration(proxyBeanMethods = false)
class ImagingConfiguration {

    @Bean
    ImageDecoder imageDecoder(ApiProperties props) {
        return new ImageDecoder(props.maxPixels(), props.maxJpegScans(), props.maxFrames());
    }

    @Bean(destroyMethod = "close")
    DecodePool decodePool(ImageDecoder decoder, InferencePool pool, ApiProperties props) {
        int threads = props.decodeThreads() == 0 ? Runtime.getRuntime().availableProcessors() : props.decodeThreads();
        return new DecodePool(decoder, pool, threads, props.decodeQueue());
    }
}
