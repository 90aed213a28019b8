package io.salience.attribution;

import io.salience.graph.Rule;
import java.util.List;
import org.springframework.stereotype.Component;

/** Gradient times input (Shrikumar et al. 2016). */
@Component
public class GradientTimesInputMethod extends RuleGradient {

    public GradientTimesInputMethod() {
        super(Rule.PLAIN);
    }

    @Override
    public String name() {
        return "gradient-x-input";
    }

    @Override
    public String description() {
        return "Gradient of the target logit times the input tensor, element-wise (Shrikumar et al. 2016).";
    }

    @Override
    public List<float[]> attribute(AttributionContext ctx, List<float[]> inputs) {
        List<float[]> grads = super.attribute(ctx, inputs);
        for (int i = 0; i < grads.size(); i++) {
            float[] g = grads.get(i);
            float[] x = inputs.get(i);
            for (int j = 0; j < g.length; j++) {
                g[j] *= x[j];
            }
        }
        return grads;
    }
}
