package io.salience.jobs;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.util.MimeTypeUtils;
import org.springframework.web.HttpMediaTypeNotAcceptableException;

/**
 * Serialises a job's result as Spring MVC would have answered the synchronous request: the same content negotiation
 * (the captured {@code Accept} against what the endpoint produces) and the same converters, so the bytes and the
 * headers are the synchronous response's.
 */
final class ResultWriter {

    /** A serialised result: its headers (Content-Type included) and body. */
    record Written(HttpHeaders headers, byte[] body) {}

    private final List<HttpMessageConverter<?>> converters;

    ResultWriter(List<HttpMessageConverter<?>> converters) {
        this.converters = List.copyOf(converters);
    }

    /**
     * @param value the result
     * @param accept the request's {@code Accept} header, or null
     * @param producible the endpoint's {@code produces} types, or null for whatever the converters can write
     */
    Written write(Object value, String accept, Collection<MediaType> producible) throws Exception {
        MediaType type = negotiate(value.getClass(), accept, producible);
        for (HttpMessageConverter<?> c : converters) {
            if (c.canWrite(value.getClass(), type)) {
                Capture out = new Capture();
                @SuppressWarnings("unchecked")
                HttpMessageConverter<Object> converter = (HttpMessageConverter<Object>) c;
                converter.write(value, type, out);
                return new Written(out.headers, out.body.toByteArray());
            }
        }
        throw new HttpMediaTypeNotAcceptableException(List.copyOf(producible(value.getClass(), null)));
    }

    /** Spring MVC's choice (AbstractMessageConverterMethodProcessor): the most specific acceptable producible type. */
    private MediaType negotiate(Class<?> type, String accept, Collection<MediaType> declared)
            throws HttpMediaTypeNotAcceptableException {
        List<MediaType> acceptable = accept == null || accept.isBlank()
                ? List.of(MediaType.ALL)
                : new ArrayList<>(MediaType.parseMediaTypes(accept));
        MimeTypeUtils.sortBySpecificity(acceptable);
        List<MediaType> producible = producible(type, declared);
        List<MediaType> compatible = new ArrayList<>();
        for (MediaType a : acceptable) {
            for (MediaType p : producible) {
                if (a.isCompatibleWith(p)) {
                    compatible.add(getMostSpecific(a, p));
                }
            }
        }
        MimeTypeUtils.sortBySpecificity(compatible);
        for (MediaType m : compatible) {
            if (m.isConcrete()) {
                return m.removeQualityValue();
            }
            if (m.isPresentIn(List.of(MediaType.ALL, new MediaType("application")))) {
                return MediaType.APPLICATION_OCTET_STREAM;
            }
        }
        throw new HttpMediaTypeNotAcceptableException(producible);
    }

    private List<MediaType> producible(Class<?> type, Collection<MediaType> declared) {
        if (declared != null && !declared.isEmpty()) {
            return List.copyOf(declared);
        }
        List<MediaType> all = new ArrayList<>();
        for (HttpMessageConverter<?> c : converters) {
            for (MediaType m : c.getSupportedMediaTypes(type)) {
                if (c.canWrite(type, m) && !all.contains(m)) {
                    all.add(m);
                }
            }
        }
        return all;
    }

    private static MediaType getMostSpecific(MediaType acceptType, MediaType produceType) {
        MediaType produceTypeToUse = produceType.copyQualityValue(acceptType);
        if (acceptType.isLessSpecific(produceTypeToUse)) {
            return produceTypeToUse;
        }
        return acceptType;
    }

    private static final class Capture implements HttpOutputMessage {
        final HttpHeaders headers = new HttpHeaders();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        @Override
        public OutputStream getBody() {
            return body;
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }
    }
}
