package io.salience.api;

import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.salience.config.ApiProperties;
import io.salience.inference.InferencePool;
import io.salience.model.PredictionService;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockMultipartHttpServletRequestBuilder;

/** Validation of predict requests, with the service mocked. */
@WebMvcTest(PredictController.class)
@Import(PredictControllerTest.Props.class)
@TestPropertySource(properties = "salience.api.max-images=2")
class PredictControllerTest {

    @TestConfiguration
    @EnableConfigurationProperties(ApiProperties.class)
    static class Props {}

    @Autowired
    MockMvc mvc;

    @MockitoBean
    PredictionService predictions;

    @MockitoBean
    InferencePool pool;

    private static MockMultipartHttpServletRequestBuilder predict(int images) {
        MockMultipartHttpServletRequestBuilder b = multipart("/v1/models/m/predict");
        for (int i = 0; i < images; i++) {
            b.file(new MockMultipartFile("image", "x" + i + ".png", "image/png", new byte[] {(byte) i}));
        }
        return b;
    }

    @Test
    void tooManyImagesAreRefusedBeforeAnyWork() throws Exception {
        mvc.perform(predict(3))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.parameter").value("image"))
                .andExpect(jsonPath("$.detail").value("at most 2 images per request, got 3"));
        verifyNoInteractions(predictions);
    }

    @Test
    void topKAndTimeoutAreChecked() throws Exception {
        mvc.perform(predict(1).param("topK", "0"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.parameter").value("topK"));
        mvc.perform(predict(1).param("topK", "many"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.parameter").value("topK"));
        mvc.perform(predict(1).param("timeoutMs", "600001"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.parameter").value("timeoutMs"));
        verifyNoInteractions(predictions);
    }

    @Test
    void theDeadlineAndTopKReachTheService() throws Exception {
        mvc.perform(predict(2).param("topK", "1").param("timeoutMs", "250"));
        verify(predictions).predict(eq("m"), anyList(), eq(1), eq(Duration.ofMillis(250)));
    }

    @Test
    void noImageIs400() throws Exception {
        mvc.perform(predict(0))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.type").value("urn:salience:problem:invalid-parameter"));
        verifyNoInteractions(predictions);
    }
}
