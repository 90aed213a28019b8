package io.salience.api;

import io.salience.attribution.SaliencyResult;
import java.io.IOException;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** {@code application/json}: the normalised map with what was explained, the parameters used and the timings. */
@Component
class SaliencyJsonConverter extends SaliencyConverter {

    private final JsonMapper json;

    SaliencyJsonConverter(JsonMapper json) {
        super(MediaType.APPLICATION_JSON);
        this.json = json;
    }

    @Override
    void write(SaliencyResult r, HttpOutputMessage out) throws IOException {
        json.writeValue(out.getBody(), SaliencyViews.SaliencyResponse.of(r));
    }
}
