package io.salience.testing;

import io.salience.attribution.AttributionContext;
import io.salience.attribution.Params;
import io.salience.imaging.DecodedImage;
import io.salience.imaging.ImageDecoder;
import io.salience.imaging.NpyReader;
import io.salience.imaging.PreparedImage;
import io.salience.imaging.PreprocessSpec;
import io.salience.imaging.Preprocessor;
import io.salience.model.LoadedModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Inputs and attribution contexts for the engine and method tests. */
public final class Inputs {

    private Inputs() {}

    /** A named model with the input it is tested on. */
    public record Case(String name, LoadedModel model, PreparedImage image) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A smooth, seeded synthetic picture of the model's input size, through the model's own preprocessing. */
    public static PreparedImage synthetic(LoadedModel model, long seed) {
        PreprocessSpec spec = model.descriptor().input();
        int w = spec.width();
        int h = spec.height();
        Random rnd = new Random(seed);
        double[][] f = new double[3][6];
        for (double[] c : f) {
            for (int i = 0; i < c.length; i++) {
                c[i] = rnd.nextDouble();
            }
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    double[] p = f[c];
                    double v = 0.5
                            + 0.25 * Math.sin(2 * Math.PI * (p[0] * 3 * x / w + p[1] * 3 * y / h + p[2]))
                            + 0.2 * Math.cos(2 * Math.PI * (p[3] * 5 * x / w - p[4] * 4 * y / h + p[5]));
                    int b = (int) Math.round(255 * Math.max(0, Math.min(1, v)));
                    rgb = (rgb << 8) | b;
                }
                img.setRGB(x, y, rgb);
            }
        }
        return Preprocessor.prepare(img, spec);
    }

    /** A real image file through the model's preprocessing. */
    public static PreparedImage file(LoadedModel model, Path file) {
        try {
            DecodedImage d = new ImageDecoder().decode(Files.readAllBytes(file));
            return model.descriptor().prepare(d.image());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A tensor given directly (e.g. a row of {@code input.npy}); the picture part is blank. */
    public static PreparedImage tensor(LoadedModel model, float[] tensor) {
        PreprocessSpec spec = model.descriptor().input();
        return new PreparedImage(
                tensor.clone(), new BufferedImage(spec.width(), spec.height(), BufferedImage.TYPE_INT_RGB), spec);
    }

    /** Row {@code i} of an architecture fixture's {@code input.npy}. */
    public static float[] archInput(String fixture, int i) {
        try {
            float[] all = NpyReader.read(TestModels.archDir(fixture).resolve("input.npy"))
                    .toFloatArray();
            int per = all.length / 2;
            return Arrays.copyOfRange(all, i * per, (i + 1) * per);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Row {@code i} of an export-path fixture's {@code input.npy}. */
    public static float[] exportInput(String name, int i) {
        try {
            float[] all = NpyReader.read(TestModels.exportDir(name).resolve("input.npy"))
                    .toFloatArray();
            int per = all.length / 2;
            return Arrays.copyOfRange(all, i * per, (i + 1) * per);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The predicted class index (over the descriptor's labels) of one input. */
    public static int predicted(LoadedModel model, float[] input) {
        float[] p = model.predictRows(List.of(input)).get(0);
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    /** A context for the predicted class, with direct graph access. */
    public static AttributionContext context(LoadedModel model, PreparedImage image, Map<String, String> params) {
        return context(model, image, predicted(model, image.tensor()), params);
    }

    /** A context for class {@code target}, with direct graph access. */
    public static AttributionContext context(
            LoadedModel model, PreparedImage image, int target, Map<String, String> params) {
        DirectGraphAccess g = new DirectGraphAccess(model);
        float[] seed = model.seed(target);
        float score = g.scores(List.of(image.tensor()), seed)[0];
        return new AttributionContext(model, image, null, seed, score, new Params(params), g);
    }

    /**
     * The models of the numerical tests: the demo model, the shared third-party models (skipped when absent) and
     * every architecture fixture export and every loadable export-path fixture, each with a sensible input.
     */
    public static List<Case> numericalCases() {
        List<Case> cases = new java.util.ArrayList<>();
        LoadedModel demo = TestModels.demo();
        cases.add(new Case("idc-demo", demo, synthetic(demo, 1)));
        Path shared = TestModels.sharedDir().resolve("fixtures");
        if (Files.isRegularFile(shared.resolve("brain-mri/model/saved_model.pb"))) {
            LoadedModel m = TestModels.shared("brain-mri");
            cases.add(new Case("brain-mri", m, file(m, shared.resolve("brain-mri/images/yes/y0.jpg"))));
        }
        if (Files.isRegularFile(shared.resolve("braintumornet/model/saved_model.pb"))) {
            LoadedModel m = TestModels.shared("braintumornet");
            cases.add(new Case("braintumornet", m, file(m, shared.resolve("braintumornet/images/yes/Y1.jpg"))));
        }
        if (Files.isRegularFile(shared.resolve("mobilenet-gestures/model/saved_model.pb"))) {
            LoadedModel m = TestModels.shared("mobilenet-gestures");
            cases.add(new Case("mobilenet-gestures", m, synthetic(m, 3)));
        }
        for (String export : TestModels.archExports()) {
            LoadedModel m = TestModels.arch(export);
            cases.add(new Case("arch/" + export, m, tensor(m, archInput(export.split("/")[0], 0))));
        }
        for (String export : TestModels.EXPORTS) {
            LoadedModel m = TestModels.export(export);
            cases.add(new Case("exports/" + export, m, tensor(m, exportInput(export, 0))));
        }
        return cases;
    }

    /** The {@code cases} of a reference {@code manifest.json}, one JSON object each. */
    public static List<tools.jackson.databind.JsonNode> manifestCases(Path manifest) throws IOException {
        tools.jackson.databind.JsonNode root =
                tools.jackson.databind.json.JsonMapper.builder().build().readTree(Files.readString(manifest));
        List<tools.jackson.databind.JsonNode> out = new java.util.ArrayList<>();
        root.path("cases").forEach(out::add);
        return out;
    }
}
