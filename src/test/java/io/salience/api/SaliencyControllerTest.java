package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.salience.attribution.GradCamMethod;
import io.salience.attribution.GradientMethod;
import io.salience.attribution.SaliencyMap;
import io.salience.attribution.SaliencyMethod;
import io.salience.attribution.SaliencyQuery;
import io.salience.attribution.SaliencyResult;
import io.salience.attribution.SaliencyService;
import io.salience.imaging.ColorMap;
import io.salience.imaging.NormalizationOptions;
import io.salience.imaging.RenderMode;
import io.salience.imaging.RenderOptions;
import io.salience.imaging.SaliencyNormalizer;
import io.salience.imaging.SaliencyReduction;
import io.salience.inference.InferencePool;
import io.salience.jobs.JobService;
import io.salience.model.ModelNotFoundException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/** Binding, validation, content negotiation and problem+json of the saliency endpoints, with the service mocked. */
@WebMvcTest(SaliencyController.class)
class SaliencyControllerTest {

    private static final String PATH = "/v1/models/m/saliency";
    private static final MockMultipartFile IMAGE =
            new MockMultipartFile("image", "x.png", "image/png", new byte[] {1, 2, 3});

    @Autowired
    MockMvc mvc;

    @MockitoBean
    SaliencyService service;

    @MockitoBean
    InferencePool pool;

    /** async=true is tested over HTTP in JobsIntegrationTest. */
    @MockitoBean
    JobService jobs;

    private final ArgumentCaptor<SaliencyQuery> query = ArgumentCaptor.forClass(SaliencyQuery.class);

    @BeforeEach
    void stub() {
        when(service.explain(eq("m"), any(), any(), any())).thenAnswer(inv -> result(inv.getArgument(1)));
        when(service.explain(eq("missing"), any(), any(), any())).thenThrow(new ModelNotFoundException("missing"));
    }

    /** A 2x2 single-channel map [0, 1, 2, 4], normalised with the query's options (clip 100 gives v / 4). */
    private static SaliencyResult result(SaliencyQuery q) {
        float[] raw = {0, 1, 2, 4};
        SaliencyMap map = new SaliencyMap(raw, 2, 2, 1);
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        return new SaliencyResult(
                "m",
                "7",
                q.method(),
                Map.of("target", "b"),
                new SaliencyResult.ExplainedTarget(1, "b", null, 2.5f, 0.75f),
                null,
                map,
                SaliencyNormalizer.normalize(raw, 2, 2, 1, q.normalization()),
                q.rendering(),
                img,
                img,
                Map.of("compute", 1.0));
    }

    @Test
    void pngIsTheDefaultAndCarriesTheNormalisationHeaders() throws Exception {
        MvcResult r = mvc.perform(multipart(PATH).file(IMAGE).param("clip", "100"))
                .andExpect(status().isOk())
                .andExpect(content().contentType("image/png"))
                .andExpect(header().string("X-Saliency-Target", "b"))
                .andExpect(header().string("X-Saliency-Raw-Max", "4.0"))
                .andExpect(header().string(
                                "X-Saliency-Normalization",
                                "reduce=max-abs; clip-percentile=100.0; clip-value=4.00000; range=[0,1]"))
                .andReturn();
        BufferedImage png =
                ImageIO.read(new ByteArrayInputStream(r.getResponse().getContentAsByteArray()));
        assertThat(png.getWidth()).isEqualTo(2);
        verify(service).explain(eq("m"), query.capture(), any(), isNull());
        SaliencyQuery q = query.getValue();
        assertThat(q.method()).isEqualTo(SaliencyQuery.DEFAULT_METHOD);
        assertThat(q.rendering()).isEqualTo(RenderOptions.DEFAULT);
        assertThat(q.timeout()).isNull();
        assertThat(q.methodParams()).isEmpty();
    }

    @Test
    void jsonCarriesTheMapNormalisedOnce() throws Exception {
        mvc.perform(multipart(PATH).file(IMAGE).param("clip", "100").accept("application/json"))
                .andExpect(status().isOk())
                .andExpect(content().contentType("application/json"))
                .andExpect(jsonPath("$.map[3]").value(1.0))
                .andExpect(jsonPath("$.map[1]").value(0.25))
                .andExpect(jsonPath("$.shape[0]").value(2))
                .andExpect(jsonPath("$.rawShape[2]").value(1))
                .andExpect(jsonPath("$.max").value(4.0))
                .andExpect(jsonPath("$.target.label").value("b"))
                .andExpect(jsonPath("$.normalization.clipValue").value(4.0));
    }

    @Test
    void npyIsTheRawMap() throws Exception {
        MvcResult r = mvc.perform(multipart(PATH).file(IMAGE).accept("application/x-npy"))
                .andExpect(status().isOk())
                .andExpect(content().contentType("application/x-npy"))
                .andExpect(header().string("Content-Disposition", "attachment; filename=\"saliency.npy\""))
                .andReturn();
        byte[] b = r.getResponse().getContentAsByteArray();
        assertThat(new String(b, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
        int headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
        assertThat(header).contains("'shape': (2, 2, 1)").contains("'descr': '<f4'");
        ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLen, 16).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {data.getFloat(), data.getFloat(), data.getFloat(), data.getFloat()})
                .containsExactly(0f, 1f, 2f, 4f);
    }

    @Test
    void anAcceptWithoutAFormatIs406Problem() throws Exception {
        mvc.perform(multipart(PATH).file(IMAGE).accept("text/csv"))
                .andExpect(status().isNotAcceptable())
                .andExpect(content().contentType("application/problem+json"))
                .andExpect(jsonPath("$.type").value("urn:salience:problem:not-acceptable"));
    }

    @Test
    void commonParametersAreBoundAndMethodParametersPassedOn() throws Exception {
        mvc.perform(multipart(PATH)
                        .file(IMAGE)
                        .param("method", "integrated-gradients")
                        .param("steps", "64")
                        .param("baseline", "")
                        .param("render", "heatmap")
                        .param("colormap", "jet")
                        .param("alpha", "0.25")
                        .param("reduce", "signed")
                        .param("timeoutMs", "1500")
                        .param("target", "a-vs-b"))
                .andExpect(status().isOk());
        verify(service).explain(eq("m"), query.capture(), any(), isNull());
        SaliencyQuery q = query.getValue();
        assertThat(q.method()).isEqualTo("integrated-gradients");
        assertThat(q.target()).isEqualTo("a-vs-b");
        assertThat(q.rendering().mode()).isEqualTo(RenderMode.HEATMAP);
        assertThat(q.rendering().colorMap()).isEqualTo(ColorMap.JET);
        assertThat(q.rendering().alpha()).isEqualTo(0.25);
        assertThat(q.normalization()).isEqualTo(new NormalizationOptions(SaliencyReduction.SIGNED, 99.5));
        assertThat(q.timeout()).isEqualTo(Duration.ofMillis(1500));
        // an empty field, as Swagger UI sends it, counts as absent
        assertThat(q.methodParams()).containsExactly(Map.entry("steps", "64"));
    }

    @Test
    void badCommonParametersAre400BeforeAnyWork() throws Exception {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("alpha", "2");
        bad.put("clip", "0");
        bad.put("render", "sparkles");
        bad.put("timeoutMs", "0");
        bad.put("size", "huge");
        for (var e : bad.entrySet()) {
            mvc.perform(multipart(PATH).file(IMAGE).param(e.getKey(), e.getValue()))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentType("application/problem+json"))
                    .andExpect(jsonPath("$.type").value("urn:salience:problem:invalid-parameter"))
                    .andExpect(jsonPath("$.parameter").value(e.getKey()));
        }
        verifyNoInteractions(service);
    }

    @Test
    void theBaselineImageTravelsAsItsOwnPart() throws Exception {
        MockMultipartFile baseline = new MockMultipartFile("baselineImage", "b.png", "image/png", new byte[] {9, 8});
        mvc.perform(multipart(PATH).file(IMAGE).file(baseline).param("method", "integrated-gradients"))
                .andExpect(status().isOk());
        verify(service).explain(eq("m"), any(), eq(new byte[] {1, 2, 3}), eq(new byte[] {9, 8}));
    }

    @Test
    void aFilePartNamedBaselineIsExplained() throws Exception {
        MockMultipartFile wrong = new MockMultipartFile("baseline", "b.png", "image/png", new byte[] {9});
        mvc.perform(multipart(PATH).file(IMAGE).file(wrong))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.parameter").value("baseline"))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("baselineImage")));
    }

    @Test
    void aMissingImageIs400AndNotMultipartIs415() throws Exception {
        mvc.perform(multipart(PATH))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.parameter").value("image"));
        mvc.perform(post(PATH).contentType("application/json").content("{}"))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(content().contentType("application/problem+json"));
    }

    @Test
    void anUnknownModelIs404Problem() throws Exception {
        mvc.perform(multipart("/v1/models/missing/saliency").file(IMAGE))
                .andExpect(status().isNotFound())
                .andExpect(content().contentType("application/problem+json"))
                .andExpect(jsonPath("$.type").value("urn:salience:problem:unknown-model"));
    }

    @Test
    void aWrongHttpMethodIs405WithAllow() throws Exception {
        mvc.perform(get(PATH))
                .andExpect(status().isMethodNotAllowed())
                .andExpect(header().string("Allow", "POST"))
                .andExpect(content().contentType("application/problem+json"));
    }

    @Test
    void methodsListTheirOwnAndTheApplicableCommonParameters() throws Exception {
        Map<String, SaliencyMethod> methods = new TreeMap<>();
        methods.put("gradient", new GradientMethod());
        methods.put("grad-cam", new GradCamMethod());
        when(service.methods()).thenReturn(methods);
        mvc.perform(get("/v1/methods"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[0].name").value("grad-cam"))
                .andExpect(jsonPath("$[0].default").value(false))
                .andExpect(jsonPath("$[0].commonParameters[?(@.name == 'layer')].defaultValue")
                        .value("auto"))
                .andExpect(jsonPath("$[1].name").value("gradient"))
                .andExpect(jsonPath("$[1].default").value(true))
                .andExpect(
                        jsonPath("$[1].commonParameters[?(@.name == 'layer')]").isEmpty())
                .andExpect(jsonPath("$[1].commonParameters[?(@.name == 'alpha')].maximum")
                        .value(1.0));
    }
}
