package io.salience.attribution;

import io.salience.graph.Rule;
import org.springframework.stereotype.Component;

/** Guided backpropagation (Springenberg et al. 2014): only positive gradients pass rectifiers with positive input. */
@Component
public class GuidedBackpropMethod extends RuleGradient {

    public GuidedBackpropMethod() {
        super(Rule.GUIDED);
    }

    @Override
    public String name() {
        return "guided-backprop";
    }

    @Override
    public String description() {
        return "Guided backpropagation (Springenberg et al. 2014): every rectifier passes f'(x)*max(g,0)"
                + " (Relu, Relu6, LeakyRelu, Elu, Selu).";
    }
}
