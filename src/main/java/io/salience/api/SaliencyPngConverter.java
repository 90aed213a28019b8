package io.salience.api;

import io.salience.attribution.SaliencyResult;
import io.salience.imaging.SaliencyRenderer;
import java.io.IOException;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/** {@code image/png}: the normalised map drawn as the request's rendering options say. */
@Component
class SaliencyPngConverter extends SaliencyConverter {

    SaliencyPngConverter() {
        super(MediaType.IMAGE_PNG);
    }

    @Override
    void write(SaliencyResult r, HttpOutputMessage out) throws IOException {
        // drawn first, then encoded straight into the response
        SaliencyRenderer.render(
                r.normalized(), r.map().outline(), r.original(), r.resized(), r.rendering(), out.getBody());
    }
}
