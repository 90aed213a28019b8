package io.salience.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness of the models: DOWN while any model is loading, and (with {@code salience.models.require-all}) while any
 * failed; details name each model's status and error.
 */
@Component("models")
public class ModelsHealthIndicator implements HealthIndicator {

    private final ModelRegistry registry;
    private final ModelsProperties props;

    public ModelsHealthIndicator(ModelRegistry registry, ModelsProperties props) {
        this.registry = registry;
        this.props = props;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean up = registry.loadingFinished();
        int ready = 0;
        for (ModelRegistry.Entry e : registry.entries()) {
            details.put(
                    e.name(), e.error() == null ? e.status().name() : e.status().name() + ": " + e.error());
            if (e.status() == ModelStatus.READY) {
                ready++;
            } else if (e.status() == ModelStatus.LOADING || props.requireAll()) {
                up = false;
            }
        }
        if (ready == 0) {
            up = false;
        }
        return (up ? Health.up() : Health.down()).withDetails(details).build();
    }
}
