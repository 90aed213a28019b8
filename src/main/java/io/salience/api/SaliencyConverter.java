package io.salience.api;

import io.salience.attribution.Params;
import io.salience.attribution.SaliencyResult;
import io.salience.imaging.NormalizedSaliency;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;

/**
 * One response format of a {@link SaliencyResult}, chosen by Spring's content negotiation from {@code Accept}. Every
 * format carries the normalisation and the target in headers; a new format is one subclass.
 */
abstract class SaliencyConverter extends AbstractHttpMessageConverter<SaliencyResult> {

    SaliencyConverter(MediaType type) {
        super(type);
    }

    @Override
    protected boolean supports(Class<?> clazz) {
        return SaliencyResult.class.isAssignableFrom(clazz);
    }

    @Override
    protected boolean canRead(MediaType mediaType) {
        return false;
    }

    @Override
    protected SaliencyResult readInternal(Class<? extends SaliencyResult> clazz, HttpInputMessage input) {
        throw new HttpMessageNotReadableException("A saliency result is never read", input);
    }

    @Override
    protected final void writeInternal(SaliencyResult r, HttpOutputMessage out) throws IOException {
        NormalizedSaliency n = r.normalized();
        HttpHeaders h = out.getHeaders();
        h.add(
                "X-Saliency-Normalization",
                String.format(
                        Locale.ROOT,
                        "reduce=%s; clip-percentile=%s; clip-value=%.6g; range=[0,1]",
                        Params.spell(n.options().reduce()),
                        n.options().clipPercentile(),
                        n.clipValue()));
        h.add("X-Saliency-Raw-Min", Double.toString(n.rawMin()));
        h.add("X-Saliency-Raw-Max", Double.toString(n.rawMax()));
        h.add("X-Saliency-Target", r.target().label());
        h.add("X-Explanation-Id", r.provenance().explanationId());
        h.add("X-Model-SHA256", r.provenance().modelSha256());
        h.add("X-Image-SHA256", r.provenance().imageSha256());
        if (r.provenance().baselineSha256() != null) {
            h.add("X-Baseline-SHA256", r.provenance().baselineSha256());
        }
        h.add("X-Saliency-Method", r.method());
        h.add("X-Saliency-Parameters", formEncoded(r.parameters()));
        write(r, out);
    }

    /** {@code name=value&...}, each percent-encoded (application/x-www-form-urlencoded), in the parameters' order. */
    static String formEncoded(Map<String, String> parameters) {
        StringBuilder b = new StringBuilder();
        parameters.forEach((k, v) -> {
            if (v == null) {
                return;
            }
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return b.toString();
    }

    /** Writes the body (and any header of the format's own). */
    abstract void write(SaliencyResult r, HttpOutputMessage out) throws IOException;
}
