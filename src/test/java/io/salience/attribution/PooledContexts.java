package io.salience.attribution;

import io.salience.imaging.PreparedImage;
import io.salience.model.LoadedModel;
import io.salience.model.ModelRunner;
import io.salience.testing.Inputs;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Attribution contexts whose session runs go through a real pool, as {@link SaliencyService} builds them. */
public final class PooledContexts {

    private PooledContexts() {}

    /** A context for the predicted class whose graph access runs through {@code runner} (and so its pool). */
    public static AttributionContext context(
            ModelRunner runner, LoadedModel model, PreparedImage image, Map<String, String> params) {
        PooledGraphAccess g = new PooledGraphAccess(runner, model, Duration.ofMinutes(5));
        float[] seed = model.seed(Inputs.predicted(model, image.tensor()));
        float score = g.scores(List.of(image.tensor()), seed)[0];
        return new AttributionContext(model, image, null, seed, score, new Params(params), g);
    }
}
