package io.salience.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The example images shipped for each model: the image files directly in {@code <dir>/<model>/} (PNG, JPEG, TIFF,
 * BMP, GIF; no sub-folders, no hidden files, none over {@code maxBytes}). A CSV file in that folder whose header has a
 * {@code file} column adds its other columns to the example of that name as properties (e.g. {@code
 * examples/planted-demo/squares.csv}: label and square position). The folder is read on every call, so examples can
 * be added while the service runs; a name is served only when it is listed.
 */
@Service
public class ExampleImages {

    private static final Logger log = LoggerFactory.getLogger(ExampleImages.class);

    private static final Map<String, String> MEDIA_TYPES = Map.of(
            "png", "image/png",
            "jpg", "image/jpeg",
            "jpeg", "image/jpeg",
            "tif", "image/tiff",
            "tiff", "image/tiff",
            "bmp", "image/bmp",
            "gif", "image/gif");

    private final ExamplesProperties props;

    public ExampleImages(ExamplesProperties props) {
        this.props = props;
    }

    /**
     * One example image.
     *
     * @param name its file name
     * @param mediaType its media type, from the file name's extension
     * @param bytes its size
     * @param properties the columns of the folder's CSV row for it (empty when there is none)
     */
    public record Example(String name, String mediaType, long bytes, Map<String, String> properties) {}

    /** The examples of {@code model}, sorted by name; empty when the model has no folder. */
    public List<Example> list(String model) {
        Path folder = folder(model);
        if (folder == null || !Files.isDirectory(folder)) {
            return List.of();
        }
        Map<String, Map<String, String>> properties = properties(folder);
        List<Example> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.sorted(Comparator.comparing(Path::toString)).toList()) {
                String name = f.getFileName().toString();
                String type = mediaType(name);
                if (type == null || name.startsWith(".") || !Files.isRegularFile(f)) {
                    continue;
                }
                long size = Files.size(f);
                if (size > props.maxBytes()) {
                    log.warn("Example {} of {} is larger than salience.examples.max-bytes; not listed", name, model);
                    continue;
                }
                out.add(new Example(name, type, size, properties.getOrDefault(name, Map.of())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the examples of " + model, e);
        }
        return out;
    }

    /** The bytes of the listed example {@code name} of {@code model}, or empty when it is not listed. */
    public Optional<byte[]> read(String model, String name) {
        Optional<Example> e =
                list(model).stream().filter(x -> x.name().equals(name)).findFirst();
        if (e.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(folder(model).resolve(name)));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read example " + name + " of " + model, ex);
        }
    }

    /** The media type of an example file name, or null when it is no image format the service reads. */
    public static String mediaType(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? null : MEDIA_TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private Path folder(String model) {
        // model names are [a-z0-9][a-z0-9._-]*; anything else (.., separators) has no folder
        if (!model.matches("[a-z0-9][a-z0-9._-]*") || model.contains("..")) {
            return null;
        }
        return props.dir().resolve(model);
    }

    /** CSV rows by their {@code file} column, from every {@code *.csv} in the folder (plain comma-separated). */
    private static Map<String, Map<String, String>> properties(Path folder) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path csv : files.filter(f ->
                            f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv"))
                    .sorted()
                    .toList()) {
                List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
                if (lines.isEmpty()) {
                    continue;
                }
                List<String> header = Arrays.stream(lines.get(0).split(",", -1))
                        .map(String::trim)
                        .toList();
                int file = header.indexOf("file");
                if (file < 0) {
                    continue;
                }
                for (String line : lines.subList(1, lines.size())) {
                    String[] cells = line.split(",", -1);
                    if (cells.length != header.size()) {
                        continue;
                    }
                    Map<String, String> row = new LinkedHashMap<>();
                    for (int i = 0; i < cells.length; i++) {
                        if (i != file) {
                            row.put(header.get(i), cells[i].trim());
                        }
                    }
                    out.computeIfAbsent(cells[file].trim(), k -> new LinkedHashMap<>())
                            .putAll(row);
                }
            }
        } catch (IOException e) {
            log.warn("Cannot read the example properties in {}: {}", folder, e.getMessage());
        }
        return out;
    }
}
