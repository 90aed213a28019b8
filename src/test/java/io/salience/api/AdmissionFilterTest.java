package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** Which requests {@link AdmissionFilter} admits: only POSTs that run a model. */
class AdmissionFilterTest {

    private static boolean modelWork(String method, String contextPath, String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, uri);
        request.setContextPath(contextPath);
        return AdmissionFilter.isModelWork(request);
    }

    @Test
    void predictAndSaliencyPostsAreModelWork() {
        assertThat(modelWork("POST", "", "/v1/models/idc-demo/predict")).isTrue();
        assertThat(modelWork("POST", "", "/v1/models/idc-demo/saliency")).isTrue();
        assertThat(modelWork("POST", "/app", "/app/v1/models/m/saliency")).isTrue();
    }

    @Test
    void everythingElseIsNot() {
        assertThat(modelWork("GET", "", "/v1/models/idc-demo/predict")).isFalse();
        assertThat(modelWork("POST", "", "/v1/models/idc-demo/layers")).isFalse();
        assertThat(modelWork("POST", "", "/v1/models//predict")).isFalse();
        assertThat(modelWork("POST", "", "/v1/models/a/b/predict")).isFalse();
        assertThat(modelWork("POST", "", "/v1/models/predict")).isFalse();
        assertThat(modelWork("POST", "", "/v1/methods")).isFalse();
    }
}
