package io.salience.model;

import io.salience.engine.SavedModelLoader;
import io.salience.graph.Rule;
import io.salience.graph.UnsupportedModelException;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The configured models. Descriptors ({@code *.yaml}, one or two levels below {@code salience.models.dir}) are
 * loaded in the background after start-up; a broken one is reported with its file and field, and the others still
 * load. Each model passes a warm-up before it is {@link ModelStatus#READY}.
 */
@Component
public class ModelRegistry implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final ModelsProperties props;
    private final SavedModelLoader loader;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private volatile boolean running;
    private Thread worker;

    /** A configured model's state; {@code model} is set once READY, {@code error} once FAILED. */
    public record Entry(String name, ModelStatus status, ModelDescriptor descriptor, LoadedModel model, String error) {}

    public ModelRegistry(ModelsProperties props, SavedModelLoader loader) {
        this.props = props;
        this.loader = loader;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        worker = new Thread(this::loadAll, "salience-model-loader");
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public void stop() {
        running = false;
        awaitLoaded(Duration.ofMinutes(5));
        synchronized (this) {
            for (Entry e : entries.values()) {
                if (e.model() != null) {
                    e.model().close();
                }
            }
            entries.clear();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // start before the web server, stop after it
        return Integer.MIN_VALUE + 1000;
    }

    /** Stopping is final (models closed, workers ended), so a context pause (Spring 7 test contexts) must skip this. */
    @Override
    public boolean isPauseable() {
        return false;
    }

    /** Waits until every descriptor has been loaded or has failed. */
    public boolean awaitLoaded(Duration timeout) {
        try {
            return loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether loading has finished (successfully or not) for every descriptor. */
    public boolean loadingFinished() {
        return loaded.getCount() == 0;
    }

    /** Snapshot of all entries in descriptor order. */
    public synchronized List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** The entry of a model, if configured. */
    public synchronized Optional<Entry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /**
     * A model ready to serve.
     *
     * @throws ModelNotFoundException when no such model is configured (404)
     * @throws ModelUnavailableException while it loads, or when it failed (503)
     */
    public LoadedModel ready(String name) {
        Entry e = entry(name).orElseThrow(() -> new ModelNotFoundException(name));
        return switch (e.status()) {
            case READY -> e.model();
            case LOADING -> throw new ModelUnavailableException("Model '" + name + "' is still loading");
            case FAILED -> throw new ModelUnavailableException("Model '" + name + "' failed to load: " + e.error());
        };
    }

    private void loadAll() {
        try {
            List<Path> files = descriptorFiles(props.dir());
            if (files.isEmpty()) {
                log.warn("No model descriptors found under {}", props.dir().toAbsolutePath());
            }
            List<DescriptorParser.Draft> drafts = new ArrayList<>();
            for (Path file : files) {
                try {
                    DescriptorParser.Draft d = DescriptorParser.parse(file);
                    if (entries().stream()
                            .anyMatch(e -> e.name().equals(d.descriptor().name()))) {
                        throw new DescriptorException(
                                file.getParent().getFileName() + "/" + file.getFileName(),
                                "name",
                                "'" + d.descriptor().name() + "' is used by another descriptor");
                    }
                    put(new Entry(d.descriptor().name(), ModelStatus.LOADING, d.descriptor(), null, null));
                    drafts.add(d);
                } catch (DescriptorException e) {
                    log.error("Model descriptor {} is invalid: {}", file.toAbsolutePath(), e.getMessage());
                    String key = file.getParent().getFileName() + "/" + file.getFileName();
                    put(new Entry(key, ModelStatus.FAILED, null, null, e.getMessage()));
                }
            }
            for (DescriptorParser.Draft d : drafts) {
                if (!running) {
                    break;
                }
                load(d);
            }
        } catch (RuntimeException e) {
            log.error("Model loading stopped", e);
        } finally {
            loaded.countDown();
        }
    }

    private void load(DescriptorParser.Draft draft) {
        ModelDescriptor d = draft.descriptor();
        long t0 = System.nanoTime();
        SavedModelLoader.LoadedGraph graph = null;
        try {
            String sha256 = ModelDigest.of(d.savedModel());
            if (d.sha256() != null && !d.sha256().equals(sha256)) {
                throw new ModelIntegrityException("the SavedModel's SHA-256 is " + sha256 + " but the descriptor pins "
                        + d.sha256() + " (hashed: " + String.join(", ", ModelDigest.files(d.savedModel()))
                        + "); refusing to load it");
            }
            graph = loader.load(d.name(), d.savedModel(), d.signature());
            ModelDescriptor sized =
                    DescriptorParser.withSignatureSize(draft, graph.graph().inputShape());
            LoadedModel model = new LoadedModel(sized, graph, sha256);
            warmUp(model);
            put(new Entry(d.name(), ModelStatus.READY, sized, model, null));
            log.info(
                    "Model {} {} (sha256 {}{}) ready in {} ms (input {}x{}x{}, {} classes)",
                    d.name(),
                    d.version(),
                    sha256,
                    d.sha256() == null ? ", not pinned" : ", as pinned",
                    (System.nanoTime() - t0) / 1_000_000,
                    sized.input().width(),
                    sized.input().height(),
                    sized.input().channels(),
                    sized.labels().size());
        } catch (IOException | RuntimeException e) {
            if (graph != null) {
                graph.close();
            }
            log.error("Model {} failed to load from {}: {}", d.name(), d.source(), e.getMessage());
            put(new Entry(d.name(), ModelStatus.FAILED, d, null, withoutPaths(e.getMessage())));
        }
    }

    /** A SavedModel whose digest is not the one its descriptor pins. */
    static final class ModelIntegrityException extends RuntimeException {
        ModelIntegrityException(String message) {
            super(message);
        }
    }

    /** An error for health and the API: the models folder's absolute path replaced by {@code <models>}. */
    private String withoutPaths(String message) {
        if (message == null) {
            return null;
        }
        String out = message;
        for (Path p : new Path[] {props.dir().toAbsolutePath().normalize(), realPath(props.dir())}) {
            if (p != null) {
                out = out.replace(p.toString(), "<models>");
            }
        }
        return out;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    /** Compiles and runs every attribution graph once, so the first request pays no graph-building cost. */
    static void warmUp(LoadedModel model) {
        model.predictRows(List.of(new float[model.inputLength()]));
        float[] x = new float[model.inputLength()];
        float[] seed = model.seed(0);
        for (Rule rule : Rule.values()) {
            try {
                model.graph().inputGradients(rule, x, 1, seed);
            } catch (UnsupportedModelException e) {
                log.info("Model {}: {} is not available: {}", model.descriptor().name(), rule, e.getMessage());
            }
        }
        try {
            model.graph().layerGradients(model.graph().defaultCamLayer(), Rule.PLAIN, x, 1, seed);
        } catch (UnsupportedModelException e) {
            log.info("Model {}: no CAM layer: {}", model.descriptor().name(), e.getMessage());
        }
    }

    private synchronized void put(Entry e) {
        entries.put(e.name(), e);
    }

    /**
     * The descriptors one or two levels below {@code dir}, following symbolic links (models are often mounted that
     * way). Whatever else is there is skipped, and the log says what and why.
     */
    static List<Path> descriptorFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            log.warn("Model folder {} does not exist or is not a folder", dir.toAbsolutePath());
            return List.of();
        }
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir, 2, FileVisitOption.FOLLOW_LINKS)) {
            s.filter(p -> !p.equals(dir)).sorted().forEach(p -> {
                String n = p.getFileName().toString();
                boolean yaml = n.endsWith(".yaml") || n.endsWith(".yml");
                if (yaml && Files.isRegularFile(p)) {
                    found.add(p);
                } else if (yaml) {
                    log.warn("Skipping {}: not a regular file", p);
                } else if (Files.isSymbolicLink(p) && !Files.exists(p)) {
                    log.warn("Skipping {}: a symbolic link to something that does not exist", p);
                } else if (Files.isRegularFile(p) && dir.equals(p.getParent())) {
                    log.info("Skipping {}: not a descriptor (*.yaml or *.yml)", p);
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new IllegalStateException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
        return found;
    }

    /** Ready models. */
    public Collection<LoadedModel> readyModels() {
        return entries().stream()
                .filter(e -> e.status() == ModelStatus.READY)
                .map(Entry::model)
                .toList();
    }
}
