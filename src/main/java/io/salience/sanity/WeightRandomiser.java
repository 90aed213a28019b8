package io.salience.sanity;

import io.salience.engine.WeightInfo;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import tools.jackson.databind.JsonNode;

/**
 * Fresh values for one weight: drawn as the layer's own Keras initializer would draw them (its class and config,
 * with Keras' fan-in and fan-out of the weight's shape), else from a normal distribution with the trained weight's
 * mean and standard deviation. Each weight's stream is seeded from the request's seed and the variable's name, so a
 * weight gets the same values at every step and in both modes, and the same request gives the same values.
 */
final class WeightRandomiser {

    /** Keras' truncated-normal correction: the standard deviation of a unit normal truncated at two sigma. */
    private static final double TRUNCATED_STD = 0.87962566103423978;

    private WeightRandomiser() {}

    /**
     * New values of a weight and how they were drawn.
     *
     * @param values row-major, the variable's layout
     * @param init the initializer in words, e.g. {@code GlorotUniform (keras metadata)}
     * @param fromMetadata whether the Keras metadata named the initializer
     */
    record Drawn(float[] values, String init, boolean fromMetadata) {}

    static Drawn draw(WeightInfo w, float[] trained, JsonNode initializer, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ fnv(w.variable()));
        float[] out = new float[w.size()];
        if (initializer != null) {
            String described = fill(out, w.shape(), initializer, rng);
            if (described != null) {
                return new Drawn(out, described + " (keras metadata)", true);
            }
        }
        double mean = 0;
        for (float v : trained) {
            mean += v;
        }
        mean /= Math.max(1, trained.length);
        double var = 0;
        for (float v : trained) {
            var += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(var / Math.max(1, trained.length));
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (mean + std * rng.nextGaussian());
        }
        String why = initializer == null
                ? "no initializer in the metadata"
                : "initializer " + initializer.path("class_name").asString() + " not supported";
        return new Drawn(
                out,
                String.format(Locale.ROOT, "Normal(mean=%.4g, std=%.4g) of the trained weight (%s)", mean, std, why),
                false);
    }

    /** Fills {@code out} as the Keras initializer would; null when the class is not one Keras ships. */
    private static String fill(float[] out, long[] shape, JsonNode init, SplittableRandom rng) {
        String name = init.path("class_name").asString();
        JsonNode c = init.path("config");
        double[] fans = fans(shape);
        return switch (name) {
            case "Zeros", "zeros" -> constant(out, 0, "Zeros");
            case "Ones", "ones" -> constant(out, 1, "Ones");
            case "Constant" -> constant(out, c.path("value").asDouble(0), "Constant");
            case "RandomNormal" -> normal(
                    out, c.path("mean").asDouble(0), c.path("stddev").asDouble(0.05), false, rng, "RandomNormal");
            case "TruncatedNormal" -> normal(
                    out, c.path("mean").asDouble(0), c.path("stddev").asDouble(0.05), true, rng, "TruncatedNormal");
            case "RandomUniform" -> uniform(
                    out, c.path("minval").asDouble(-0.05), c.path("maxval").asDouble(0.05), rng, "RandomUniform");
            case "GlorotUniform" -> scaling(out, fans, 1, "fan_avg", "uniform", rng, name);
            case "GlorotNormal" -> scaling(out, fans, 1, "fan_avg", "truncated_normal", rng, name);
            case "HeUniform" -> scaling(out, fans, 2, "fan_in", "uniform", rng, name);
            case "HeNormal" -> scaling(out, fans, 2, "fan_in", "truncated_normal", rng, name);
            case "LecunUniform" -> scaling(out, fans, 1, "fan_in", "uniform", rng, name);
            case "LecunNormal" -> scaling(out, fans, 1, "fan_in", "truncated_normal", rng, name);
            case "VarianceScaling" -> scaling(
                    out,
                    fans,
                    c.path("scale").asDouble(1),
                    c.path("mode").asString("fan_in"),
                    c.path("distribution").asString("truncated_normal"),
                    rng,
                    name);
            default -> null;
        };
    }

    /** Keras' {@code _compute_fans}: [fan_in, fan_out]. */
    static double[] fans(long[] shape) {
        if (shape.length == 0) {
            return new double[] {1, 1};
        }
        if (shape.length == 1) {
            return new double[] {shape[0], shape[0]};
        }
        if (shape.length == 2) {
            return new double[] {shape[0], shape[1]};
        }
        double receptive = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            receptive *= shape[i];
        }
        return new double[] {shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive};
    }

    private static String scaling(
            float[] out,
            double[] fans,
            double scale,
            String mode,
            String distribution,
            SplittableRandom rng,
            String name) {
        double n =
                switch (mode) {
                    case "fan_out" -> fans[1];
                    case "fan_avg" -> (fans[0] + fans[1]) / 2;
                    default -> fans[0];
                };
        double s = scale / Math.max(1, n);
        String what = String.format(Locale.ROOT, "%s (fan_in=%.0f, fan_out=%.0f", name, fans[0], fans[1]);
        switch (distribution) {
            case "uniform" -> {
                double limit = Math.sqrt(3 * s);
                uniform(out, -limit, limit, rng, name);
                return what + String.format(Locale.ROOT, ", uniform ±%.4g)", limit);
            }
            case "untruncated_normal", "normal" -> {
                double std = Math.sqrt(s);
                normal(out, 0, std, false, rng, name);
                return what + String.format(Locale.ROOT, ", normal std %.4g)", std);
            }
            default -> {
                double std = Math.sqrt(s) / TRUNCATED_STD;
                normal(out, 0, std, true, rng, name);
                return what + String.format(Locale.ROOT, ", truncated normal std %.4g)", std);
            }
        }
    }

    private static String constant(float[] out, double v, String name) {
        java.util.Arrays.fill(out, (float) v);
        return name;
    }

    private static String uniform(float[] out, double lo, double hi, SplittableRandom rng, String name) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return name;
    }

    /** Normal values; truncated ones are redrawn beyond two standard deviations, as TensorFlow's truncated normal. */
    private static String normal(
            float[] out, double mean, double std, boolean truncated, SplittableRandom rng, String name) {
        for (int i = 0; i < out.length; i++) {
            double z = rng.nextGaussian();
            while (truncated && Math.abs(z) > 2) {
                z = rng.nextGaussian();
            }
            out[i] = (float) (mean + std * z);
        }
        return name;
    }

    /** FNV-1a of the name, a stable per-weight seed offset. */
    private static long fnv(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
