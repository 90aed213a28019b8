package io.salience.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.salience.testing.DirectGraphAccess;
import io.salience.testing.Inputs;
import io.salience.testing.TestModels;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vanilla gradient against central finite differences of the target logit, along a few random directions:
 * {@code (f(x + h v) - f(x - h v)) / 2h} vs {@code grad · v}. Directional derivatives average over ReLU kinks, so
 * they stay comparable where per-pixel differences would not. Models: the demo model, the shared third-party models
 * (brain-mri on a real slice with its OpenCV/L2 preprocessing; braintumornet with BatchNorm; mobilenet-gestures with
 * Relu6 and depthwise convolutions) and every architecture fixture, Keras 2 and Keras 3.
 */
@ExtendWith(TestModels.class)
class GradientFiniteDifferenceTest {

    static final double MAX_RELATIVE_ERROR = 0.02;

    static List<Inputs.Case> cases() {
        return Inputs.numericalCases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesCentralDifferences(Inputs.Case c) {
        AttributionContext ctx = Inputs.context(c.model(), c.image(), Map.of());
        float[] x = ctx.input();
        float[] grad = new GradientMethod().compute(ctx).values();
        double scale = 0;
        double gmax = 0;
        for (int i = 0; i < x.length; i++) {
            scale = Math.max(scale, Math.abs(x[i]));
            gmax = Math.max(gmax, Math.abs(grad[i]));
        }
        assertThat(gmax).as("gradient of %s is all zero", c).isGreaterThan(0);
        double h = 1e-3 * scale;
        Random rnd = new Random(42);
        StringBuilder report = new StringBuilder();
        double worst = 0;
        for (int d = 0; d < 3; d++) {
            float[] v = new float[x.length];
            double vmax = 0;
            for (int i = 0; i < v.length; i++) {
                // Random Gaussian directions with a component along the gradient. A purely random direction is
                // ill-conditioned in float32: grad·v is a sum of N terms of random sign that nearly cancel, while
                // every perturbed pixel may cross a ReLU/MaxPool kink (measured: 1-40 % errors on the arch
                // fixtures). A wrong gradient still shows: grad·v uses the computed gradient, fd the true one.
                double r = rnd.nextGaussian() + 3 * grad[i] / gmax;
                v[i] = (float) r;
                vmax = Math.max(vmax, Math.abs(r));
            }
            for (int i = 0; i < v.length; i++) {
                v[i] /= (float) vmax;
            }
            // Step sizes trade truncation (kinks) against float32 round-off; the best of three is kept.
            double err = Double.POSITIVE_INFINITY;
            double fd = 0;
            double dot = 0;
            for (double step : new double[] {1e-3, 3e-4, 1e-4}) {
                double hs = step * scale;
                float[] xp = new float[x.length];
                float[] xm = new float[x.length];
                double dotS = 0;
                for (int i = 0; i < v.length; i++) {
                    xp[i] = (float) (x[i] + hs * v[i]);
                    xm[i] = (float) (x[i] - hs * v[i]);
                    // the step actually taken, after float rounding of x ± h v
                    dotS += (double) grad[i] * ((double) xp[i] - xm[i]) / (2 * hs);
                }
                float[] s = new DirectGraphAccess(c.model()).scores(List.of(xp, xm), ctx.seed());
                double fdS = ((double) s[0] - s[1]) / (2 * hs);
                double errS = Math.abs(fdS - dotS) / Math.max(Math.abs(dotS), 1e-12);
                if (errS < err) {
                    err = errS;
                    fd = fdS;
                    dot = dotS;
                }
            }
            worst = Math.max(worst, err);
            report.append(String.format(Locale.ROOT, " dir%d: fd=%.6g grad·v=%.6g rel=%.2e;", d, fd, dot, err));
        }
        System.out.printf(Locale.ROOT, "[FD] %-26s h<=%.2e worst rel err %.3e |%s%n", c, h, worst, report);
        assertThat(worst).as("relative FD error of %s", c).isLessThanOrEqualTo(MAX_RELATIVE_ERROR);
    }
}
