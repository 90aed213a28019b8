package io.salience.attribution;

import java.util.List;

/**
 * What is explained: the logit of class {@code index}, or with {@code contrast >= 0} the difference of the logits of
 * {@code index} and {@code contrast}.
 *
 * @param index the class
 * @param contrast the class subtracted, or -1
 */
public record Target(int index, int contrast) {

    /**
     * Parses the {@code target} parameter: {@code predicted} (default), a class index, a label, or {@code A-vs-B}.
     */
    public static Target parse(String raw, List<String> labels, int predicted) {
        if (raw == null || raw.isBlank() || raw.equals("predicted")) {
            return new Target(predicted, -1);
        }
        int direct = labels.indexOf(raw);
        if (direct >= 0) {
            return new Target(direct, -1);
        }
        int vs = raw.indexOf("-vs-");
        if (vs > 0) {
            int a = one(raw.substring(0, vs), labels, raw);
            int b = one(raw.substring(vs + 4), labels, raw);
            if (a == b) {
                throw new InvalidParameterException("target", "target contrast needs two different classes");
            }
            return new Target(a, b);
        }
        return new Target(one(raw, labels, raw), -1);
    }

    private static int one(String s, List<String> labels, String raw) {
        int byLabel = labels.indexOf(s);
        if (byLabel >= 0) {
            return byLabel;
        }
        try {
            int i = Integer.parseInt(s);
            if (i >= 0 && i < labels.size()) {
                return i;
            }
            throw new InvalidParameterException(
                    "target", "target class " + i + " is out of range 0.." + (labels.size() - 1));
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(
                    "target",
                    "target must be 'predicted', a class index 0.." + (labels.size() - 1) + ", a label " + labels
                            + " or 'A-vs-B'; got '" + raw + "'");
        }
    }

    /** The API spelling. */
    public String describe(List<String> labels) {
        return contrast < 0 ? labels.get(index) : labels.get(index) + "-vs-" + labels.get(contrast);
    }
}
