package io.salience.api;

import io.salience.SalienceApplication;
import io.salience.model.ModelRegistry;
import io.salience.model.PredictionService;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Run by {@link NoDownloadTest} in a fresh JVM (so no earlier test has started the engine): starts the application
 * with DJL's cache folders set before anything loads, predicts once with the demo model and prints what the parent
 * checks.
 */
public final class NoDownloadProbe {

    private NoDownloadProbe() {}

    public static void main(String[] args) {
        String cache = args[0];
        String models = args[1];
        System.setProperty("DJL_CACHE_DIR", cache);
        System.setProperty("ENGINE_CACHE_DIR", cache);
        int code = 1;
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(SalienceApplication.class)
                .properties("server.port=0", "management.server.port=0", "salience.models.dir=" + models)
                .run()) {
            ModelRegistry registry = ctx.getBean(ModelRegistry.class);
            if (!registry.awaitLoaded(Duration.ofMinutes(5))) {
                throw new IllegalStateException("models did not load");
            }
            registry.entries().forEach(e -> System.out.println("PROBE model " + e.name() + " " + e.status()));
            var result = ctx.getBean(PredictionService.class)
                    .predict("idc-demo", List.of(ApiClient.png(50, 50, 1)), Integer.MAX_VALUE, null);
            double sum = result.classes().get(0).stream()
                    .mapToDouble(c -> c.probability())
                    .sum();
            System.out.println("PROBE sum=" + sum);
            System.out.println("PROBE ai.djl.offline=" + System.getProperty("ai.djl.offline"));
            System.out.println("PROBE TENSORFLOW_LIBRARY_PATH=" + System.getProperty("TENSORFLOW_LIBRARY_PATH"));
            System.out.println("PROBE DJL_CACHE_DIR=" + System.getProperty("DJL_CACHE_DIR"));
            code = 0;
        } catch (RuntimeException e) {
            e.printStackTrace();
        }
        System.exit(code);
    }
}
