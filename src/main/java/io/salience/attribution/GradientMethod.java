package io.salience.attribution;

import io.salience.graph.Rule;
import org.springframework.stereotype.Component;

/** Vanilla gradient of the target logit with respect to the input (Simonyan et al. 2013). */
@Component
public class GradientMethod extends RuleGradient {

    public GradientMethod() {
        super(Rule.PLAIN);
    }

    @Override
    public String name() {
        return "gradient";
    }

    @Override
    public String description() {
        return "Gradient of the target logit w.r.t. the input pixels (Simonyan, Vedaldi and Zisserman 2013).";
    }
}
