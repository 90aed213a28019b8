package io.salience.api;

import io.salience.evaluation.ComparisonPanel;
import io.salience.evaluation.ComparisonResult;
import java.io.IOException;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** The response formats of a {@link ComparisonResult}: the PNG panel, or JSON. */
abstract class ComparisonConverter extends AbstractHttpMessageConverter<ComparisonResult> {

    ComparisonConverter(MediaType type) {
        super(type);
    }

    @Override
    protected boolean supports(Class<?> clazz) {
        return ComparisonResult.class.isAssignableFrom(clazz);
    }

    @Override
    protected boolean canRead(MediaType mediaType) {
        return false;
    }

    @Override
    protected ComparisonResult readInternal(Class<? extends ComparisonResult> clazz, HttpInputMessage input) {
        throw new HttpMessageNotReadableException("A comparison is never read", input);
    }

    @Override
    protected final void writeInternal(ComparisonResult r, HttpOutputMessage out) throws IOException {
        out.getHeaders().add("X-Saliency-Target", r.target().label());
        write(r, out);
    }

    abstract void write(ComparisonResult r, HttpOutputMessage out) throws IOException;

    /** {@code image/png}: the panel. */
    @Component
    static class Png extends ComparisonConverter {
        Png() {
            super(MediaType.IMAGE_PNG);
        }

        @Override
        void write(ComparisonResult r, HttpOutputMessage out) throws IOException {
            out.getBody().write(ComparisonPanel.png(r));
        }
    }

    /** {@code application/json}: the maps, the metrics and the timings. */
    @Component
    static class Json extends ComparisonConverter {
        private final JsonMapper json;

        Json(JsonMapper json) {
            super(MediaType.APPLICATION_JSON);
            this.json = json;
        }

        @Override
        void write(ComparisonResult r, HttpOutputMessage out) throws IOException {
            json.writeValue(out.getBody(), ComparisonViews.ComparisonResponse.of(r));
        }
    }
}
