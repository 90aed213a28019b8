package io.salience.api;

import io.salience.attribution.InvalidParameterException;
import io.salience.attribution.SaliencyQuery;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.multipart.MultipartRequest;

/**
 * Binds a {@link SaliencyQuery} from the request's query and form fields (the first value of each); an empty field
 * counts as absent, as Swagger UI sends them.
 */
final class SaliencyQueryResolver implements HandlerMethodArgumentResolver {

    /** The endpoint's {@code async} flag, bound by the controller (not a saliency parameter). */
    static final String ASYNC = "async";

    /** The file parts, which are not parameters, and the flags the controller binds itself. */
    private static final Set<String> PARTS = Set.of("image", "baselineImage", ASYNC);

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == SaliencyQuery.class;
    }

    @Override
    public SaliencyQuery resolveArgument(
            MethodParameter parameter,
            ModelAndViewContainer mav,
            NativeWebRequest request,
            WebDataBinderFactory binders) {
        MultipartRequest multipart = request.getNativeRequest(MultipartRequest.class);
        if (multipart != null && multipart.getFile("baseline") != null) {
            throw new InvalidParameterException(
                    "baseline",
                    "send the baseline image as the part 'baselineImage'; the parameter 'baseline' names the kind of"
                            + " baseline (black, white, mean, blur, noise, uploaded)");
        }
        Map<String, String> raw = new LinkedHashMap<>();
        HttpServletRequest http = request.getNativeRequest(HttpServletRequest.class);
        http.getParameterMap().forEach((name, values) -> {
            if (!PARTS.contains(name) && values.length > 0) {
                raw.put(name, values[0]);
            }
        });
        return SaliencyQuery.of(raw);
    }
}
