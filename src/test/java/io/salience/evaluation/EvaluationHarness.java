package io.salience.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.attribution.SaliencyQuery;
import io.salience.attribution.SaliencyResult;
import io.salience.attribution.SaliencyService;
import io.salience.graph.LayerInfo;
import io.salience.graph.UnsupportedModelException;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRegistry;
import io.salience.testing.Planted;
import io.salience.testing.TestModels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The evaluation harness ({@code ./mvnw -Peval test}): the metrics of every method over the 500 annotated brain-MRI
 * slices (y0..y499, tumour polygons and ellipses of {@code ../shared/fixtures/brain-mri/annotated}), over idc-demo's
 * held-out test patients and over planted-demo's 100 held-back images, beside a random and a centre-Gaussian map;
 * plus the experiments behind the findings (Grad-CAM per layer, the ground-truth region as a map, a uniform input and
 * a shifted input for the border bias). Writes the measured numbers to {@code docs/evaluation/results.json} and
 * renders {@code docs/EVALUATION.md} from them with {@code src/test/resources/evaluation/EVALUATION.template.md}
 * ({@code -Dsalience.eval.render-only=true} re-renders without measuring). It runs the service's own code path:
 * {@link SaliencyService#explain} and {@link EvaluationService} through the inference pool.
 */
@Tag("eval")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class EvaluationHarness {

    static final Path SHARED =
            TestModels.sharedDir().resolve("fixtures").toAbsolutePath().normalize();
    static final Path ANNOTATED = SHARED.resolve("brain-mri/annotated");
    static final Path IDC =
            TestModels.sharedDir().resolve("data/idc-patches").toAbsolutePath().normalize();
    static final Path RESULTS = Path.of("docs/evaluation/results.json");
    static final Path DOC = Path.of("docs/EVALUATION.md");
    static final Path TEMPLATE = Path.of("src/test/resources/evaluation/EVALUATION.template.md");
    static final Path MODELS = tempModels();

    /** Methods run on every image; the others (slow) on every {@link #SLOW_EVERY}-th. */
    static final List<String> SLOW = List.of("lime", "rise", "xrai", "blur-ig", "occlusion");

    static final int SLOW_EVERY = Integer.getInteger("salience.eval.slow-every", 20);
    static final int FAITH_EVERY = Integer.getInteger("salience.eval.faith-every", 10);
    static final int BRAIN_COUNT = Integer.getInteger("salience.eval.brain-count", 500);
    static final int IDC_COUNT = Integer.getInteger("salience.eval.idc-count", 100);
    static final int PLANTED_COUNT = Integer.getInteger("salience.eval.planted-count", 100);

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry registry) {
        registry.add("salience.models.dir", MODELS::toString);
        // the harness is the only client: a long deadline, so a slow method on a busy machine is not dropped
        registry.add("salience.pool.default-deadline", () -> "600s");
    }

    static Path tempModels() {
        try {
            Path dir = Files.createTempDirectory("salience-eval-models");
            io.salience.testing.TestModels.writeShippedModels(dir);
            if (Files.isRegularFile(SHARED.resolve("brain-mri/model/saved_model.pb"))) {
                Files.createDirectories(dir.resolve("brain-mri"));
                Files.writeString(
                        dir.resolve("brain-mri/model.yaml"),
                        """
                        name: brain-mri
                        savedModel: "%s"
                        input:
                          width: 64
                          height: 64
                          colorMode: bgr
                          precision: uint8
                          resize: bilinear
                          pipeline:
                            - l2-normalize: height
                        output:
                          kind: sigmoid
                          labels: [no-tumour, tumour]
                        """
                                .formatted(SHARED.resolve("brain-mri/model").toAbsolutePath()));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Autowired
    ModelRegistry registry;

    @Autowired
    SaliencyService saliency;

    @Autowired
    EvaluationService evaluation;

    /** Accumulates the mean of each column per row, skipping NaN. */
    static final class Table {
        final List<String> columns;
        final Map<String, double[]> sums = new LinkedHashMap<>();
        final Map<String, int[]> counts = new LinkedHashMap<>();

        Table(String... columns) {
            this.columns = List.of(columns);
        }

        void add(String row, String column, double v) {
            int c = columns.indexOf(column);
            if (c < 0) {
                throw new IllegalArgumentException(column);
            }
            double[] s = sums.computeIfAbsent(row, k -> new double[columns.size()]);
            int[] n = counts.computeIfAbsent(row, k -> new int[columns.size()]);
            if (Double.isFinite(v)) {
                s[c] += v;
                n[c]++;
            }
        }

        Map<String, Object> view() {
            Map<String, Object> rows = new LinkedHashMap<>();
            sums.forEach((row, s) -> {
                Map<String, Object> r = new LinkedHashMap<>();
                int[] n = counts.get(row);
                for (int c = 0; c < columns.size(); c++) {
                    r.put(columns.get(c), n[c] == 0 ? null : s[c] / n[c]);
                    r.put(columns.get(c) + ".n", n[c]);
                }
                rows.put(row, r);
            });
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("columns", columns);
            out.put("rows", rows);
            return out;
        }
    }

    static final String[] METRIC_COLUMNS = {
        "pointing",
        "energy",
        "area",
        "iou",
        "border",
        "borderArea",
        "deletion",
        "insertion",
        "fc",
        "deletionBlur",
        "insertionBlur",
        "pInput",
        "pBlack",
        "pBlur",
        "constant",
        "ms"
    };

    /** The deletion and insertion AUC with the blurred canvas (and, for reference maps, its probability). */
    static void recordBlur(Table t, String row, MetricReport m) {
        if (m == null) {
            return;
        }
        t.add(row, "deletionBlur", m.deletion().auc());
        t.add(row, "insertionBlur", m.insertion().auc());
        if (row.endsWith(" map")) {
            t.add(row, "pBlur", m.insertion().scores()[0]);
        }
    }

    static void record(Table t, String row, MetricReport m, double ms) {
        if (m.localisation() != null) {
            t.add(row, "pointing", m.localisation().pointingGame() ? 1 : 0);
            t.add(row, "energy", m.localisation().energyInside());
            t.add(row, "area", m.localisation().areaFraction());
            t.add(row, "iou", m.localisation().topIou());
        }
        if (m.border() != null) {
            t.add(row, "border", m.border().energy());
            t.add(row, "borderArea", m.border().areaFraction());
        }
        if (m.deletion() != null) {
            t.add(row, "deletion", m.deletion().auc());
            t.add(row, "insertion", m.insertion().auc());
            t.add(row, "fc", m.faithfulnessCorrelation());
        }
        if (m.deletion() != null && row.endsWith(" map")) {
            t.add(row, "pInput", m.deletion().scores()[0]);
            t.add(row, "pBlack", m.insertion().scores()[0]);
        }
        if (ms >= 0) {
            t.add(row, "ms", ms);
        }
    }

    static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SaliencyQuery query(String method, String target, String layer) {
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("method", method);
        if (target != null) {
            raw.put("target", target);
        }
        if (layer != null) {
            raw.put("layer", layer);
        }
        return SaliencyQuery.of(raw);
    }

    /** One image of a data set. */
    record Sample(String name, byte[] bytes, BufferedImage picture, Region region) {}

    /** Runs every method and the references on the samples; returns the table. */
    Table evaluateSet(String model, String target, List<Sample> samples, Map<String, Object> extra) {
        LoadedModel m = registry.ready(model);
        Table t = new Table(METRIC_COLUMNS);
        List<String> methods = new ArrayList<>(saliency.methods().keySet());
        int h = m.descriptor().input().height();
        int w = m.descriptor().input().width();
        int c = m.descriptor().input().channels();
        Map<String, String> notApplicable = new TreeMap<>();
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            boolean faith = i % FAITH_EVERY == 0;
            EvaluationOptions o = EvaluationOptions.of(new io.salience.attribution.Params(
                    Map.of("metrics", faith ? "all" : "localisation,border", "seed", Integer.toString(i))));
            float[] input = m.descriptor().prepare(s.picture()).tensor();
            SaliencyResult first = saliency.explain(model, query("gradient", target, null), s.bytes(), null);
            int ti = first.target().index();
            EvaluationService.Subject subject = EvaluationService.Subject.of(
                    m, input, h, w, c, ti, m.seed(ti), s.region(), o, Duration.ofMinutes(10));
            EvaluationService.Subject blur = faith
                    ? EvaluationService.Subject.of(
                            m,
                            input,
                            h,
                            w,
                            c,
                            ti,
                            m.seed(ti),
                            s.region(),
                            EvaluationOptions.of(new io.salience.attribution.Params(
                                    Map.of("metrics", "deletion,insertion", "fill", "blur"))),
                            Duration.ofMinutes(10))
                    : null;
            java.util.function.BiConsumer<String, float[]> evalBlur = (row, map) -> {
                if (blur != null) {
                    recordBlur(t, row, evaluation.evaluate(blur, map, Map.of()));
                }
            };
            float[] randomMap = PixelMaps.random(h, w, i);
            record(t, "random map", evaluation.evaluate(subject, randomMap, Map.of()), -1);
            evalBlur.accept("random map", randomMap);
            float[] centre = PixelMaps.centreGaussian(h, w);
            record(t, "centre-Gaussian map", evaluation.evaluate(subject, centre, Map.of()), -1);
            evalBlur.accept("centre-Gaussian map", centre);
            if (s.region() != null) {
                float[] truth = new float[h * w];
                for (int p = 0; p < truth.length; p++) {
                    truth[p] = s.region().mask()[p] ? 1f : 0f;
                }
                record(t, "the region itself", evaluation.evaluate(subject, truth, Map.of()), -1);
                evalBlur.accept("the region itself", truth);
            }
            for (String method : methods) {
                if (SLOW.contains(method) && i % SLOW_EVERY != 0) {
                    continue;
                }
                if (notApplicable.containsKey(method)) {
                    continue;
                }
                SaliencyResult r;
                long t0 = System.nanoTime();
                try {
                    r = method.equals("gradient")
                            ? first
                            : saliency.explain(model, query(method, target, null), s.bytes(), null);
                } catch (UnsupportedModelException e) {
                    notApplicable.put(method, e.getMessage());
                    continue;
                }
                double ms = method.equals("gradient") ? first.timings().get("compute") : (System.nanoTime() - t0) / 1e6;
                float[] px = PixelMaps.of(r.map(), h, w);
                t.add(method, "constant", Localisation.constant(px) ? 1 : 0);
                record(t, method, evaluation.evaluate(subject, px, r.map().extras()), ms);
                evalBlur.accept(method, px);
            }
            if (i % 50 == 0) {
                System.out.printf(Locale.ROOT, "eval %s: %d of %d images%n", model, i + 1, samples.size());
            }
        }
        extra.put("notApplicable", notApplicable);
        return t;
    }

    /** Grad-CAM at each spatial layer: localisation and border on the samples. */
    Table camLayers(String model, String target, List<Sample> samples, List<String> methods) {
        LoadedModel m = registry.ready(model);
        Table t = new Table(METRIC_COLUMNS);
        int h = m.descriptor().input().height();
        int w = m.descriptor().input().width();
        int c = m.descriptor().input().channels();
        List<LayerInfo> layers =
                m.graph().layers().stream().filter(LayerInfo::spatial).toList();
        EvaluationOptions o =
                EvaluationOptions.of(new io.salience.attribution.Params(Map.of("metrics", "localisation,border")));
        for (Sample s : samples) {
            float[] input = m.descriptor().prepare(s.picture()).tensor();
            for (LayerInfo layer : layers) {
                if (layer.shape().size() < 3
                        || layer.shape().get(0) == h
                                && layer.name().toLowerCase(Locale.ROOT).contains("input")) {
                    continue;
                }
                for (String method : methods) {
                    SaliencyResult r;
                    try {
                        r = saliency.explain(model, query(method, target, layer.name()), s.bytes(), null);
                    } catch (RuntimeException e) {
                        continue;
                    }
                    int ti = r.target().index();
                    EvaluationService.Subject subject = EvaluationService.Subject.of(
                            m, input, h, w, c, ti, m.seed(ti), s.region(), o, Duration.ofMinutes(10));
                    float[] px = PixelMaps.of(r.map(), h, w);
                    String row = method + " @ " + layer.name() + " " + layer.shape();
                    t.add(row, "constant", Localisation.constant(px) ? 1 : 0);
                    record(t, row, evaluation.evaluate(subject, px, Map.of()), -1);
                }
            }
        }
        return t;
    }

    List<Sample> brainSamples() throws IOException {
        String json = Files.readString(ANNOTATED.resolve("annotations_train.json"));
        byte[] via = json.getBytes(StandardCharsets.UTF_8);
        LoadedModel m = registry.ready("brain-mri");
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < BRAIN_COUNT; i++) {
            String name = "y" + i + ".jpg";
            byte[] bytes = Files.readAllBytes(ANNOTATED.resolve(name));
            BufferedImage img =
                    new io.salience.imaging.ImageDecoder().decode(bytes).image();
            Region r = Region.read(
                    via,
                    new io.salience.imaging.ImageDecoder(),
                    name,
                    img.getWidth(),
                    img.getHeight(),
                    m.descriptor().input().width(),
                    m.descriptor().input().height());
            out.add(new Sample(name, bytes, img, r));
        }
        return out;
    }

    List<Sample> idcSamples() throws IOException {
        List<String> patients = Files.readAllLines(Path.of("models/idc-demo/test-split.txt")).stream()
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        List<Path> files = new ArrayList<>();
        for (String p : patients) {
            for (String cls : List.of("0", "1")) {
                Path dir = IDC.resolve(p).resolve(cls);
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> s = Files.list(dir)) {
                        s.filter(f -> f.toString().endsWith(".png")).sorted().forEach(files::add);
                    }
                }
            }
        }
        files.sort(null);
        List<Sample> out = new ArrayList<>();
        int stride = Math.max(1, files.size() / IDC_COUNT);
        for (int i = 0; i < files.size() && out.size() < IDC_COUNT; i += stride) {
            byte[] bytes = Files.readAllBytes(files.get(i));
            BufferedImage img = ImageIO.read(files.get(i).toFile());
            if (img.getWidth() != 50 || img.getHeight() != 50) {
                continue;
            }
            out.add(new Sample(files.get(i).getFileName().toString(), bytes, img, null));
        }
        return out;
    }

    List<Sample> plantedSamples() {
        List<Sample> out = new ArrayList<>();
        for (Planted.Image img : Planted.heldout().subList(0, PLANTED_COUNT)) {
            boolean[] mask = new boolean[32 * 32];
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    mask[y * 32 + x] = img.inside(x, y);
                }
            }
            out.add(new Sample(img.toString(), png(img.picture()), img.picture(), new Region(mask, 32, 32, "square")));
        }
        return out;
    }

    /** The border experiments on idc-demo: a uniform input, and the input shifted circularly. */
    Map<String, Object> borderExperiments(List<Sample> samples) {
        Table t = new Table("border", "borderArea", "edgeColumns", "edgeRows");
        List<String> methods = List.of("grad-cam", "gradient", "guided-backprop", "layer-cam", "eigen-cam");
        LoadedModel m = registry.ready("idc-demo");
        for (Sample s : samples.subList(0, Math.min(50, samples.size()))) {
            BufferedImage img = s.picture();
            for (String variant :
                    List.of("original", "shifted by 25 px (circular)", "uniform (the patch's mean colour)")) {
                BufferedImage v =
                        switch (variant) {
                            case "original" -> img;
                            case "uniform (the patch's mean colour)" -> uniform(img);
                            default -> shift(img, 25);
                        };
                byte[] bytes = png(v);
                for (String method : methods) {
                    SaliencyResult r = saliency.explain("idc-demo", query(method, null, null), bytes, null);
                    float[] px = PixelMaps.of(r.map(), 50, 50);
                    String row = method + ", " + variant;
                    t.add(row, "border", Localisation.borderEnergy(px, 50, 50, 0.1));
                    t.add(row, "borderArea", Localisation.areaFraction(Localisation.borderMask(50, 50, 0.1)));
                    // at the map's own resolution: the share of mass in its first and last column and row
                    float[] raw =
                            PixelMaps.of(r.map(), r.map().height(), r.map().width());
                    int mh = r.map().height();
                    int mw = r.map().width();
                    double total = 0;
                    double cols = 0;
                    double rows = 0;
                    for (int y = 0; y < mh; y++) {
                        for (int x = 0; x < mw; x++) {
                            double val = raw[y * mw + x];
                            total += val;
                            if (x == 0 || x == mw - 1) {
                                cols += val;
                            }
                            if (y == 0 || y == mh - 1) {
                                rows += val;
                            }
                        }
                    }
                    t.add(row, "edgeColumns", total == 0 ? Double.NaN : cols / total);
                    t.add(row, "edgeRows", total == 0 ? Double.NaN : rows / total);
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("table", t.view());
        out.put("camShape", m.graph().defaultCamLayer().shape());
        return out;
    }

    static BufferedImage shift(BufferedImage img, int d) {
        int w = img.getWidth();
        int h = img.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out.setRGB((x + d) % w, (y + d) % h, img.getRGB(x, y));
            }
        }
        return out;
    }

    static BufferedImage uniform(BufferedImage img) {
        long r = 0;
        long g = 0;
        long b = 0;
        int n = img.getWidth() * img.getHeight();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                r += (p >> 16) & 0xFF;
                g += (p >> 8) & 0xFF;
                b += p & 0xFF;
            }
        }
        int rgb = (int) (r / n) << 16 | (int) (g / n) << 8 | (int) (b / n);
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    /** Accuracy of brain-MRI: the 500 annotated (all tumour) slices, and images/yes|no. */
    Map<String, Object> brainAccuracy(List<Sample> annotated) throws IOException {
        LoadedModel m = registry.ready("brain-mri");
        Map<String, Object> out = new LinkedHashMap<>();
        int yes = 0;
        for (Sample s : annotated) {
            float[] p = m.predictRows(
                            List.of(m.descriptor().prepare(s.picture()).tensor()))
                    .get(0);
            yes += p[1] > 0.5 ? 1 : 0;
        }
        out.put("annotatedPredictedTumour", yes);
        out.put("annotated", annotated.size());
        int right = 0;
        int n = 0;
        for (String cls : List.of("yes", "no")) {
            try (Stream<Path> files =
                    Files.list(SHARED.resolve("brain-mri/images").resolve(cls))) {
                for (Path f : files.sorted().toList()) {
                    BufferedImage img = new io.salience.imaging.ImageDecoder()
                            .decode(Files.readAllBytes(f))
                            .image();
                    float[] p = m.predictRows(
                                    List.of(m.descriptor().prepare(img).tensor()))
                            .get(0);
                    right += (p[1] > 0.5) == cls.equals("yes") ? 1 : 0;
                    n++;
                }
            }
        }
        out.put("labelledRight", right);
        out.put("labelled", n);
        return out;
    }

    @Test
    void run() throws IOException {
        ObjectMapper json =
                JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        if (!Boolean.getBoolean("salience.eval.render-only")) {
            assertThat(registry.awaitLoaded(Duration.ofMinutes(10))).isTrue();
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    Files.isRegularFile(ANNOTATED.resolve("annotations_train.json")),
                    "the brain-MRI fixture is absent (../shared/fixtures)");
            long t0 = System.nanoTime();
            Map<String, Object> results = new LinkedHashMap<>();
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("slowMethods", SLOW);
            settings.put("slowEvery", SLOW_EVERY);
            settings.put("faithEvery", FAITH_EVERY);
            settings.put(
                    "options",
                    "defaults: steps 32, fill black, fcRuns 100, fcSubset 10 % of the pixels, "
                            + "topPercent = the region's area, borderBand 0.1");
            results.put("settings", settings);
            List<Sample> brain = brainSamples();
            results.put("brainAccuracy", brainAccuracy(brain));
            Map<String, Object> brainExtra = new LinkedHashMap<>();
            results.put(
                    "brain",
                    evaluateSet("brain-mri", "tumour", brain, brainExtra).view());
            results.put("brainExtra", brainExtra);
            results.put(
                    "brainLayers",
                    camLayers(
                                    "brain-mri",
                                    "tumour",
                                    brain.subList(0, Math.min(100, brain.size())),
                                    List.of("grad-cam", "layer-cam"))
                            .view());
            System.out.printf(Locale.ROOT, "eval brain done after %.0f s%n", (System.nanoTime() - t0) / 1e9);
            List<Sample> idc = idcSamples();
            Map<String, Object> idcExtra = new LinkedHashMap<>();
            results.put("idc", evaluateSet("idc-demo", null, idc, idcExtra).view());
            results.put("idcExtra", idcExtra);
            results.put(
                    "idcLayers",
                    camLayers("idc-demo", null, idc.subList(0, Math.min(50, idc.size())), List.of("grad-cam"))
                            .view());
            results.put("idcBorder", borderExperiments(idc));
            System.out.printf(Locale.ROOT, "eval idc done after %.0f s%n", (System.nanoTime() - t0) / 1e9);
            Map<String, Object> plantedExtra = new LinkedHashMap<>();
            results.put(
                    "planted",
                    evaluateSet("planted-demo", null, plantedSamples(), plantedExtra)
                            .view());
            results.put("plantedExtra", plantedExtra);
            settings.put("seconds", Math.round((System.nanoTime() - t0) / 1e9));
            settings.put(
                    "images", Map.of("brain-mri", brain.size(), "idc-demo", idc.size(), "planted-demo", PLANTED_COUNT));
            Files.createDirectories(RESULTS.getParent());
            json.writeValue(RESULTS.toFile(), results);
        }
        render(json);
    }

    /** Renders the doc from the template and the results: {@code {{table:NAME}}} and {@code {{value:path.to.x}}}. */
    static void render(ObjectMapper json) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> results = json.readValue(RESULTS.toFile(), Map.class);
        String template = Files.readString(TEMPLATE);
        Matcher mt = Pattern.compile("\\{\\{(table|value|pct):([^}]+)}}").matcher(template);
        StringBuilder out = new StringBuilder();
        while (mt.find()) {
            String kind = mt.group(1);
            String key = mt.group(2);
            String text =
                    switch (kind) {
                        case "table" -> table(results, key);
                        default -> value(results, key, kind.equals("pct"));
                    };
            mt.appendReplacement(out, Matcher.quoteReplacement(text));
        }
        mt.appendTail(out);
        Files.writeString(DOC, out.toString());
    }

    @SuppressWarnings("unchecked")
    static Object lookup(Map<String, Object> results, String path) {
        Object cur = results;
        // keys may contain dots (".n") so match the longest key at each level
        String rest = path;
        while (!rest.isEmpty()) {
            Map<String, Object> map = (Map<String, Object>) cur;
            String found = null;
            for (String k : map.keySet()) {
                if ((rest.equals(k) || rest.startsWith(k + "/")) && (found == null || k.length() > found.length())) {
                    found = k;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("no " + path + " in the results (at " + rest + ")");
            }
            cur = map.get(found);
            rest = rest.length() == found.length() ? "" : rest.substring(found.length() + 1);
        }
        return cur;
    }

    static String value(Map<String, Object> results, String path, boolean pct) {
        Object v = lookup(results, path);
        if (v instanceof Number n && pct) {
            return String.format(Locale.ROOT, "%.1f %%", 100 * n.doubleValue());
        }
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.3f", d);
        }
        return String.valueOf(v);
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> results, String key) {
        Map<String, Object> t = (Map<String, Object>) lookup(results, key);
        List<String> columns = (List<String>) t.get("columns");
        Map<String, Map<String, Object>> rows = (Map<String, Map<String, Object>>) t.get("rows");
        Map<String, String> headers = Map.ofEntries(
                Map.entry("pointing", "pointing game"),
                Map.entry("energy", "energy in region"),
                Map.entry("area", "region area"),
                Map.entry("iou", "top-k IoU"),
                Map.entry("border", "energy in border band"),
                Map.entry("borderArea", "band area"),
                Map.entry("deletion", "deletion AUC ↓"),
                Map.entry("insertion", "insertion AUC ↑"),
                Map.entry("fc", "faithfulness corr. ↑"),
                Map.entry("ms", "ms per map"),
                Map.entry("deletionBlur", "deletion AUC, blur ↓"),
                Map.entry("insertionBlur", "insertion AUC, blur ↑"),
                Map.entry("pInput", "p(input)"),
                Map.entry("pBlack", "p(black canvas)"),
                Map.entry("pBlur", "p(blurred canvas)"),
                Map.entry("constant", "constant maps"),
                Map.entry("edgeColumns", "mass in first+last map column"),
                Map.entry("edgeRows", "mass in first+last map row"));
        List<String> used = columns.stream()
                .filter(c -> rows.values().stream().anyMatch(r -> r.get(c) != null))
                .toList();
        StringBuilder b = new StringBuilder("| map | n |");
        used.forEach(c -> b.append(' ').append(headers.getOrDefault(c, c)).append(" |"));
        b.append("\n|---|---|");
        used.forEach(c -> b.append("---|"));
        b.append('\n');
        rows.forEach((row, r) -> {
            Object n = r.get(used.isEmpty() ? "" : used.get(0) + ".n");
            String nf = used.stream()
                    .filter(c -> ((Number) r.get(c + ".n")).intValue() > 0)
                    .map(c -> String.valueOf(r.get(c + ".n")))
                    .distinct()
                    .reduce((a, c) -> a + "/" + c)
                    .orElse(String.valueOf(n));
            b.append("| `").append(row).append("` | ").append(nf).append(" |");
            for (String c : used) {
                Object v = r.get(c);
                String s;
                if (v == null) {
                    s = "";
                } else if (c.equals("pointing") || c.equals("constant")) {
                    s = String.format(Locale.ROOT, "%.1f %%", 100 * ((Number) v).doubleValue());
                } else if (c.equals("ms")) {
                    s = String.format(Locale.ROOT, "%.1f", ((Number) v).doubleValue());
                } else {
                    s = String.format(Locale.ROOT, "%.3f", ((Number) v).doubleValue());
                }
                b.append(' ').append(s).append(" |");
            }
            b.append('\n');
        });
        return b.toString().trim();
    }
}
