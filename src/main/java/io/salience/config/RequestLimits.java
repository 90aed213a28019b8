package io.salience.config;

import io.salience.imaging.PreprocessSpec;
import io.salience.inference.BackgroundPriority;
import io.salience.model.ModelDescriptor;
import org.springframework.stereotype.Component;

/** The limits that apply to one model's requests: its descriptor's {@code limits:}, else the global defaults. */
@Component
public class RequestLimits {

    private final ApiProperties props;

    public RequestLimits(ApiProperties props) {
        this.props = props;
    }

    /** The largest upload for this model, width x height. */
    public long maxPixels(ModelDescriptor model) {
        long own = model.limits().maxPixels();
        if (own > 0) {
            return Math.min(own, props.maxPixels());
        }
        if (props.maxPixelsPerInputPixel() == 0) {
            return props.maxPixels();
        }
        PreprocessSpec in = model.input();
        return Math.min(props.maxPixels(), props.maxPixelsPerInputPixel() * in.width() * in.height());
    }

    /**
     * The most model rows one request for this model may schedule: the descriptor's own cap, else
     * {@code max-job-rows} on a job's thread and {@code max-rows} for an interactive request.
     */
    public long maxRows(ModelDescriptor model) {
        long own = model.limits().maxRows();
        if (own > 0) {
            return own;
        }
        return BackgroundPriority.isBackground() ? props.maxJobRows() : props.maxRows();
    }

    /** The largest {@code size=original} rendering, width x height. */
    public long maxOutputPixels() {
        return props.maxOutputPixels();
    }
}
