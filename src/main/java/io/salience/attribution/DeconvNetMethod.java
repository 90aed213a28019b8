package io.salience.attribution;

import io.salience.graph.Rule;
import org.springframework.stereotype.Component;

/** DeconvNet (Zeiler and Fergus 2014): rectifiers pass {@code max(g, 0)} backwards, ignoring the forward input. */
@Component
public class DeconvNetMethod extends RuleGradient {

    public DeconvNetMethod() {
        super(Rule.DECONVNET);
    }

    @Override
    public String name() {
        return "deconvnet";
    }

    @Override
    public String description() {
        return "DeconvNet (Zeiler and Fergus 2014): every rectifier passes max(g,0) backwards.";
    }
}
