package io.salience.attribution;

import io.salience.graph.Branch;
import io.salience.graph.Rule;
import java.util.ArrayList;
import java.util.List;

/** Shared body of the gradient-type methods: the gradient of the target under a rectifier rule. */
abstract class RuleGradient implements InputAttribution {

    private final Rule rule;

    RuleGradient(Rule rule) {
        this.rule = rule;
    }

    @Override
    public List<Branch> branches(AttributionContext ctx) {
        return List.of(Branch.input(rule));
    }

    @Override
    public List<float[]> attribute(AttributionContext ctx, List<float[]> inputs) {
        List<float[]> out = new ArrayList<>(inputs.size());
        for (GraphAccess.Gradient g : ctx.graph().inputGradients(rule, inputs, ctx.seed())) {
            out.add(g.values());
        }
        return out;
    }
}
