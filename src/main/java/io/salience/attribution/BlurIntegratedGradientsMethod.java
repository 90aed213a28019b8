package io.salience.attribution;

import io.salience.graph.Rule;
import io.salience.imaging.GaussianFilter;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Blur integrated gradients (Xu et al. 2020), as PAIR saliency computes it: along the path of ever stronger Gaussian
 * blurs {@code x(σ)}, σ from 0 to {@code maxSigma} in {@code steps}, the attribution is
 * {@code -Σ_i Δσ_i ∂x/∂σ(σ_i) ⊙ ∇F(x(σ_i))}, with {@code ∂x/∂σ} a forward difference of step {@code gradStep}. No
 * baseline is needed: the fully blurred image plays its part. Blurs are scipy's {@code gaussian_filter} with zeros
 * outside the image ({@link GaussianFilter}).
 */
@Component
public class BlurIntegratedGradientsMethod implements InputAttribution {

    static final ParamSpec STEPS = ParamSpec.integer("steps", 100, 1, 1024, "Blur steps along the path");
    static final ParamSpec MAX_SIGMA =
            ParamSpec.number("maxSigma", 50, 0.1, 1000, "Blur of the path's end, a Gaussian's sigma in pixels");
    static final ParamSpec GRAD_STEP =
            ParamSpec.number("gradStep", 0.01, 1e-4, 1, "Sigma step of the forward difference d x / d sigma");
    static final ParamSpec SPACING = ParamSpec.choice(
            "spacing",
            List.of("linear", "sqrt"),
            "linear",
            "Sigmas evenly spaced (linear) or as the square roots of evenly spaced values (sqrt)");

    @Override
    public String name() {
        return "blur-ig";
    }

    @Override
    public String description() {
        return "Blur integrated gradients (Xu et al. 2020): integrated gradients along a path of Gaussian blurs.";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(STEPS, MAX_SIGMA, GRAD_STEP, SPACING);
    }

    @Override
    public long plannedRows(Params p, int height, int width) {
        return p.integer(STEPS) + 1L;
    }

    @Override
    public List<float[]> attribute(AttributionContext ctx, List<float[]> inputs) {
        List<float[]> out = new ArrayList<>(inputs.size());
        for (float[] x : inputs) {
            out.add(integrate(ctx, x));
        }
        return out;
    }

    private float[] integrate(AttributionContext ctx, float[] x) {
        int steps = ctx.params().integer(STEPS);
        double maxSigma = ctx.params().number(MAX_SIGMA);
        double gradStep = ctx.params().number(GRAD_STEP);
        boolean sqrt = ctx.params().word(SPACING).equals("sqrt");
        double[] sigmas = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            double t = (double) i * maxSigma / steps;
            sigmas[i] = sqrt ? Math.sqrt(t) : t;
        }
        int h = ctx.height();
        int w = ctx.width();
        int c = ctx.channels();
        double[] total = new double[x.length];
        int chunk = Math.max(1, ctx.graph().maxBatch());
        for (int from = 0; from < steps; from += chunk) {
            int to = Math.min(steps, from + chunk);
            List<float[]> points = new ArrayList<>(to - from);
            List<float[]> derivatives = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                float[] xi = GaussianFilter.blur(x, h, w, c, sigmas[i]);
                float[] next = GaussianFilter.blur(x, h, w, c, sigmas[i] + gradStep);
                float[] d = new float[x.length];
                for (int j = 0; j < d.length; j++) {
                    d[j] = (float) ((next[j] - xi[j]) / gradStep);
                }
                points.add(xi);
                derivatives.add(d);
            }
            List<GraphAccess.Gradient> grads = ctx.graph().inputGradients(Rule.PLAIN, points, ctx.seed());
            for (int i = from; i < to; i++) {
                double step = sigmas[i + 1] - sigmas[i];
                float[] g = grads.get(i - from).values();
                float[] d = derivatives.get(i - from);
                for (int j = 0; j < total.length; j++) {
                    total[j] += step * d[j] * g[j];
                }
            }
            ctx.progress().update(to, steps, "blur steps");
        }
        float[] attr = new float[x.length];
        for (int j = 0; j < attr.length; j++) {
            attr[j] = (float) -total[j];
        }
        return attr;
    }
}
