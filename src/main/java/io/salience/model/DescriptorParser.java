package io.salience.model;

import io.salience.imaging.ColorMode;
import io.salience.imaging.PreprocessSpec;
import io.salience.imaging.ResizeMethod;
import io.salience.imaging.ResizePrecision;
import io.salience.imaging.ValueStep;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads {@code model.yaml} descriptors. Every error names the file and the field. Input width and height may be
 * omitted when the signature has a static input size; {@link #withSignatureSize} fills them in.
 */
public final class DescriptorParser {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Set<String> TOP =
            Set.of("name", "version", "description", "savedModel", "signature", "sha256", "input", "output", "limits");
    private static final Set<String> INPUT =
            Set.of("layout", "width", "height", "colorMode", "resize", "precision", "pipeline");
    private static final Set<String> OUTPUT = Set.of("kind", "labels");
    private static final Set<String> LIMITS = Set.of("maxPixels", "maxRows");

    private DescriptorParser() {}

    /** A parsed descriptor whose width and height may still be unknown (0). */
    public record Draft(ModelDescriptor descriptor, boolean sizeGiven) {}

    /** Parses one descriptor file. */
    public static Draft parse(Path file) {
        String where = file.getParent() == null
                ? file.getFileName().toString()
                : file.getParent().getFileName() + "/" + file.getFileName();
        Map<String, Object> root;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
            if (!(doc instanceof Map<?, ?>)) {
                throw new DescriptorException(where, "(root)", "must be a YAML mapping");
            }
            root = cast(doc);
        } catch (IOException e) {
            throw new DescriptorException(where, "(file)", "cannot be read: " + e.getMessage());
        } catch (YAMLException e) {
            throw new DescriptorException(where, "(file)", "is not valid YAML: " + firstLine(e.getMessage()));
        }
        Fields top = new Fields(where, "", root, TOP);
        String name = top.string("name", null);
        if (!NAME.matcher(name).matches()) {
            throw new DescriptorException(where, "name", "must match " + NAME.pattern() + ", got '" + name + "'");
        }
        String version = top.string("version", "1");
        String description = top.string("description", "");
        Path savedModel = file.toAbsolutePath()
                .getParent()
                .resolve(top.string("savedModel", "saved_model"))
                .normalize();
        if (!Files.isRegularFile(savedModel.resolve("saved_model.pb"))) {
            throw new DescriptorException(where, "savedModel", "does not point to a folder holding saved_model.pb");
        }
        String signature = top.string("signature", "serving_default");
        String sha256 = top.string("sha256", "");
        if (sha256.isEmpty()) {
            sha256 = null;
        } else if (!sha256.matches("[0-9a-fA-F]{64}")) {
            throw new DescriptorException(where, "sha256", "must be 64 hex digits (SHA-256), got '" + sha256 + "'");
        } else {
            sha256 = sha256.toLowerCase(Locale.ROOT);
        }

        Fields in = top.child("input", INPUT);
        String layout = in.string("layout", "NHWC");
        if (!layout.equals("NHWC")) {
            throw new DescriptorException(where, "input.layout", "must be NHWC, got '" + layout + "'");
        }
        int width = in.integer("width", 0);
        int height = in.integer("height", 0);
        ColorMode color = in.choice("colorMode", ColorMode.class, "rgb");
        ResizeMethod resize = in.choice("resize", ResizeMethod.class, "bilinear");
        ResizePrecision precision = in.choice("precision", ResizePrecision.class, "float");
        List<ValueStep> steps = parseSteps(where, in.list("pipeline"));

        Fields out = top.child("output", OUTPUT);
        OutputKind kind = out.choice("kind", OutputKind.class, null);
        List<String> labels = new ArrayList<>();
        for (Object o : out.list("labels")) {
            labels.add(String.valueOf(o));
        }
        if (labels.isEmpty()) {
            throw new DescriptorException(where, "output.labels", "must list at least one label");
        }
        if (kind == OutputKind.SIGMOID && labels.size() != 2) {
            throw new DescriptorException(
                    where, "output.labels", "must list exactly two labels for a single sigmoid unit");
        }
        if (Set.copyOf(labels).size() != labels.size()) {
            throw new DescriptorException(where, "output.labels", "must be unique");
        }
        ModelLimits limits = ModelLimits.DEFAULTS;
        if (root.containsKey("limits")) {
            Fields lim = top.child("limits", LIMITS);
            limits = new ModelLimits(lim.integer("maxPixels", 0), lim.integer("maxRows", 0));
        }
        boolean sizeGiven = width > 0 && height > 0;
        PreprocessSpec spec;
        try {
            spec = new PreprocessSpec(sizeGiven ? width : 1, sizeGiven ? height : 1, color, resize, steps);
        } catch (IllegalArgumentException e) {
            throw new DescriptorException(where, "input", e.getMessage());
        }
        return new Draft(
                new ModelDescriptor(
                        name,
                        version,
                        description,
                        savedModel,
                        signature,
                        spec,
                        precision,
                        kind,
                        labels,
                        file.toAbsolutePath(),
                        sha256,
                        limits),
                sizeGiven);
    }

    /** Fills in or checks the input size against the signature's static shape [N, H, W, C]. */
    public static ModelDescriptor withSignatureSize(Draft draft, long[] shape) {
        ModelDescriptor d = draft.descriptor();
        String where = d.source().getParent().getFileName() + "/" + d.source().getFileName();
        PreprocessSpec s = d.input();
        if (shape == null || shape.length != 4) {
            throw new DescriptorException(where, "input", "the signature input is not a 4-D NHWC tensor");
        }
        if (shape[3] > 0 && shape[3] != s.channels()) {
            throw new DescriptorException(
                    where, "input.colorMode", "gives " + s.channels() + " channel(s) but the model takes " + shape[3]);
        }
        int h = (int) shape[1];
        int w = (int) shape[2];
        if (draft.sizeGiven()) {
            if ((h > 0 && h != s.height()) || (w > 0 && w != s.width())) {
                throw new DescriptorException(
                        where,
                        "input.width/height",
                        s.width() + "x" + s.height() + " differs from the model's static input " + w + "x" + h);
            }
            return d;
        }
        if (h <= 0 || w <= 0) {
            throw new DescriptorException(where, "input.width", "is required: the model's input size is dynamic");
        }
        PreprocessSpec sized = new PreprocessSpec(w, h, s.colorMode(), s.resize(), s.steps());
        return new ModelDescriptor(
                d.name(),
                d.version(),
                d.description(),
                d.savedModel(),
                d.signature(),
                sized,
                d.precision(),
                d.output(),
                d.labels(),
                d.source(),
                d.sha256(),
                d.limits());
    }

    private static List<ValueStep> parseSteps(String where, List<Object> raw) {
        List<ValueStep> steps = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String field = "input.pipeline[" + i + "]";
            if (!(raw.get(i) instanceof Map<?, ?> m) || m.size() != 1) {
                throw new DescriptorException(
                        where, field, "must be a mapping with exactly one step, e.g. 'scale: 0.5'");
            }
            Map.Entry<?, ?> e = m.entrySet().iterator().next();
            String kind = String.valueOf(e.getKey());
            Object v = e.getValue();
            try {
                steps.add(ValueStep.parse(kind, v));
            } catch (IllegalArgumentException ex) {
                throw new DescriptorException(where, field, ex.getMessage());
            }
        }
        return steps;
    }

    static <E extends Enum<E>> E enumValue(String where, String field, Class<E> type, String value) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            String valid = String.join(
                    ", ",
                    Arrays.stream(type.getEnumConstants())
                            .map(c -> c.name().toLowerCase(Locale.ROOT))
                            .toList());
            throw new DescriptorException(where, field, "must be one of " + valid + ", got '" + value + "'");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** Typed access to one mapping of the descriptor, rejecting unknown keys. */
    private record Fields(String where, String path, Map<String, Object> map, Set<String> allowed) {
        Fields {
            for (String key : map.keySet()) {
                if (!allowed.contains(key)) {
                    throw new DescriptorException(where, path + key, "is not a known field; known: " + allowed);
                }
            }
        }

        String string(String key, String fallback) {
            Object v = map.get(key);
            if (v == null || String.valueOf(v).isBlank()) {
                if (fallback == null) {
                    throw new DescriptorException(where, path + key, "is missing");
                }
                return fallback;
            }
            return String.valueOf(v).trim();
        }

        int integer(String key, int fallback) {
            Object v = map.get(key);
            if (v == null) {
                return fallback;
            }
            if (v instanceof Integer i && i > 0) {
                return i;
            }
            throw new DescriptorException(where, path + key, "must be a positive integer, got '" + v + "'");
        }

        <E extends Enum<E>> E choice(String key, Class<E> type, String fallback) {
            return enumValue(where, path + key, type, string(key, fallback));
        }

        List<Object> list(String key) {
            Object v = map.get(key);
            if (v == null) {
                return List.of();
            }
            if (v instanceof List<?> l) {
                return new ArrayList<>(l);
            }
            throw new DescriptorException(where, path + key, "must be a list");
        }

        Fields child(String key, Set<String> keys) {
            Object v = map.get(key);
            if (!(v instanceof Map<?, ?>)) {
                throw new DescriptorException(where, path + key, v == null ? "is missing" : "must be a mapping");
            }
            return new Fields(where, path + key + ".", cast(v), keys);
        }
    }
}
