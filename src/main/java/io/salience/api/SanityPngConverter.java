package io.salience.api;

import io.salience.sanity.SanityPanel;
import io.salience.sanity.SanityReport;
import java.io.IOException;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.stereotype.Component;

/** {@code image/png}: a sanity report drawn as the paper's panel ({@link SanityPanel}). */
@Component
class SanityPngConverter extends AbstractHttpMessageConverter<SanityReport> {

    SanityPngConverter() {
        super(MediaType.IMAGE_PNG);
    }

    @Override
    protected boolean supports(Class<?> clazz) {
        return SanityReport.class.isAssignableFrom(clazz);
    }

    @Override
    protected boolean canRead(MediaType mediaType) {
        return false;
    }

    @Override
    protected SanityReport readInternal(Class<? extends SanityReport> clazz, HttpInputMessage input) {
        throw new HttpMessageNotReadableException("A sanity report is never read", input);
    }

    @Override
    protected void writeInternal(SanityReport r, HttpOutputMessage out) throws IOException {
        out.getBody().write(SanityPanel.png(r));
    }
}
