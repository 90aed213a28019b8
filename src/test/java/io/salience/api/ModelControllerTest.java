package io.salience.api;

import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.salience.inference.InferencePool;
import io.salience.model.ModelNotFoundException;
import io.salience.model.ModelRegistry;
import io.salience.model.ModelStatus;
import io.salience.model.ModelUnavailableException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

/** The model views and their problem responses, with the registry mocked. */
@WebMvcTest(ModelController.class)
class ModelControllerTest {

    @Autowired
    MockMvc mvc;

    @MockitoBean
    ModelRegistry registry;

    @MockitoBean
    InferencePool pool;

    @Test
    void aFailedModelShowsWhyAndALoadingOneNoError() throws Exception {
        when(registry.entries())
                .thenReturn(List.of(
                        new ModelRegistry.Entry("bad/model.yaml", ModelStatus.FAILED, null, null, "no saved_model.pb"),
                        new ModelRegistry.Entry("slow", ModelStatus.LOADING, null, null, null)));
        mvc.perform(get("/v1/models"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[0].status").value("failed"))
                .andExpect(jsonPath("$[0].error").value("no saved_model.pb"))
                .andExpect(jsonPath("$[1].status").value("loading"))
                .andExpect(jsonPath("$[1].error").doesNotExist());
    }

    @Test
    void unknownAndUnavailableModelsAreProblems() throws Exception {
        when(registry.entry("nope")).thenReturn(Optional.empty());
        mvc.perform(get("/v1/models/nope"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentType("application/problem+json"))
                .andExpect(jsonPath("$.type").value("urn:salience:problem:unknown-model"))
                .andExpect(jsonPath("$.model").value("nope"));
        when(registry.ready("nope")).thenThrow(new ModelNotFoundException("nope"));
        mvc.perform(get("/v1/models/nope/layers")).andExpect(status().isNotFound());
        when(registry.ready("slow")).thenThrow(new ModelUnavailableException("Model 'slow' is still loading"));
        mvc.perform(get("/v1/models/slow/layers"))
                .andExpect(status().isServiceUnavailable())
                .andExpect(jsonPath("$.type").value("urn:salience:problem:model-unavailable"))
                .andExpect(jsonPath("$.detail").value("Model 'slow' is still loading"));
    }

    @Test
    void aWrongHttpMethodIs405WithAllow() throws Exception {
        mvc.perform(post("/v1/models"))
                .andExpect(status().isMethodNotAllowed())
                .andExpect(header().string("Allow", "GET"))
                .andExpect(jsonPath("$.type").value("urn:salience:problem:method-not-allowed"));
    }
}
