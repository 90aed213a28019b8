package io.salience.api;

import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.accept.ContentNegotiationStrategy;
import org.springframework.web.accept.HeaderContentNegotiationStrategy;
import org.springframework.web.context.request.NativeWebRequest;

/**
 * {@code Accept} as Spring reads it, without the ranges of quality 0, which RFC 9110 says are not acceptable. When
 * every range has {@code q=0} (e.g. {@code *}{@code /*;q=0}) nothing is acceptable and the answer is 406.
 */
final class QualityAwareNegotiation implements ContentNegotiationStrategy {

    private final HeaderContentNegotiationStrategy header = new HeaderContentNegotiationStrategy();

    @Override
    public List<MediaType> resolveMediaTypes(NativeWebRequest request) throws HttpMediaTypeNotAcceptableException {
        List<MediaType> all = header.resolveMediaTypes(request);
        if (all == MEDIA_TYPE_ALL_LIST) {
            return all;
        }
        List<MediaType> acceptable =
                all.stream().filter(m -> m.getQualityValue() > 0).toList();
        if (acceptable.isEmpty()) {
            throw new HttpMediaTypeNotAcceptableException("every media range in Accept has q=0");
        }
        return acceptable;
    }
}
