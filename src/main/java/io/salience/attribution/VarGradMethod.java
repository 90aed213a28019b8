package io.salience.attribution;

import java.util.List;
import org.springframework.stereotype.Component;

/** VarGrad (Adebayo et al. 2018): SmoothGrad with the variance of the noisy maps as aggregation. */
@Component
public class VarGradMethod extends SmoothGradMethod {

    public VarGradMethod(List<InputAttribution> bases) {
        super(bases);
    }

    @Override
    public String name() {
        return "vargrad";
    }

    @Override
    public String description() {
        return "VarGrad (Adebayo et al. 2018): variance of a base method over noisy copies of the input.";
    }

    @Override
    protected Aggregation defaultAggregation() {
        return Aggregation.VARIANCE;
    }
}
