package io.salience.imaging;

import java.util.Arrays;

/**
 * Separable resizing of interleaved float images (row-major, {@code channels} values per pixel),
 * reproducing OpenCV's {@code cv::resize} on float data: a horizontal pass over the source rows
 * that are needed, then a vertical pass. Edge pixels are replicated.
 */
final class Resampler {

    /** Keys' cubic convolution parameter used by OpenCV. */
    private static final double CUBIC_A = -0.75;

    /** Supplies source row {@code y} as {@code width * channels} interleaved floats into {@code row}. */
    @FunctionalInterface
    interface RowSource {
        void read(int y, float[] row);
    }

    /** Receives output row {@code y}; the array is reused for the next row. */
    @FunctionalInterface
    interface RowSink {
        void accept(int y, float[] row);
    }

    /**
     * Taps of one axis: output index {@code i} is {@code sum(weight[k] * src[index[k]])} for {@code k}
     * in {@code [start[i], start[i + 1])}.
     */
    record Table(int[] start, int[] index, double[] weight) {}

    private Resampler() {}

    /** Resizes into a new {@code outHeight * outWidth * channels} array. */
    static float[] resize(
            RowSource source,
            int inWidth,
            int inHeight,
            int channels,
            int outWidth,
            int outHeight,
            ResizeMethod method) {
        float[] out = new float[outHeight * outWidth * channels];
        int rowLength = outWidth * channels;
        resize(
                source,
                inWidth,
                inHeight,
                channels,
                outWidth,
                outHeight,
                method,
                (y, row) -> System.arraycopy(row, 0, out, y * rowLength, rowLength));
        return out;
    }

    /** Resizes row by row into {@code sink}, in increasing {@code y}. */
    static void resize(
            RowSource source,
            int inWidth,
            int inHeight,
            int channels,
            int outWidth,
            int outHeight,
            ResizeMethod method,
            RowSink sink) {
        if (inWidth < 1 || inHeight < 1 || outWidth < 1 || outHeight < 1 || channels < 1) {
            throw new IllegalArgumentException("sizes must be positive: " + inWidth + "x" + inHeight + " -> " + outWidth
                    + "x" + outHeight + ", " + channels + " channel(s)");
        }
        boolean shrinkBoth = inWidth >= outWidth && inHeight >= outHeight;
        Table xs = table(method, inWidth, outWidth, shrinkBoth);
        Table ys = table(method, inHeight, outHeight, shrinkBoth);

        // Horizontal pass over the source rows the vertical pass will read.
        float[][] rows = new float[inHeight][];
        float[] sourceRow = new float[inWidth * channels];
        for (int k = 0; k < ys.index.length; k++) {
            int y = ys.index[k];
            if (rows[y] == null) {
                source.read(y, sourceRow);
                rows[y] = horizontal(sourceRow, channels, xs, outWidth);
            }
        }

        int rowLength = outWidth * channels;
        double[] acc = new double[rowLength];
        float[] outRow = new float[rowLength];
        for (int y = 0; y < outHeight; y++) {
            Arrays.fill(acc, 0.0);
            for (int k = ys.start[y]; k < ys.start[y + 1]; k++) {
                float[] row = rows[ys.index[k]];
                double w = ys.weight[k];
                for (int i = 0; i < rowLength; i++) {
                    acc[i] += w * row[i];
                }
            }
            for (int i = 0; i < rowLength; i++) {
                outRow[i] = (float) acc[i];
            }
            sink.accept(y, outRow);
        }
    }

    private static float[] horizontal(float[] in, int channels, Table xs, int outWidth) {
        float[] out = new float[outWidth * channels];
        for (int x = 0; x < outWidth; x++) {
            int from = xs.start[x];
            int to = xs.start[x + 1];
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                for (int k = from; k < to; k++) {
                    sum += xs.weight[k] * in[xs.index[k] * channels + c];
                }
                out[x * channels + c] = (float) sum;
            }
        }
        return out;
    }

    /** The taps of one axis; {@code shrinkBoth} selects OpenCV's box filter for AREA. */
    static Table table(ResizeMethod method, int in, int out, boolean shrinkBoth) {
        TableBuilder b = new TableBuilder(out);
        double scale = (double) in / out;
        for (int d = 0; d < out; d++) {
            switch (method) {
                case NEAREST -> b.add(clamp((int) Math.floor((d + 0.5) * scale), in), 1.0);
                case BILINEAR -> {
                    double f = (d + 0.5) * scale - 0.5;
                    int s = (int) Math.floor(f);
                    linear(b, s, f - s, in);
                }
                case BICUBIC -> {
                    double f = (d + 0.5) * scale - 0.5;
                    int s = (int) Math.floor(f);
                    cubic(b, s, f - s, in);
                }
                case AREA -> {
                    if (shrinkBoth) {
                        box(b, d, scale, in);
                    } else {
                        // OpenCV's INTER_AREA coefficients when enlarging: linear with a sharpened ramp.
                        int s = (int) Math.floor(d * scale);
                        double t = (d + 1) - (s + 1) / scale;
                        t = t <= 0 ? 0 : t - Math.floor(t);
                        linear(b, s, t, in);
                    }
                }
                default -> throw new IllegalArgumentException("unknown resize method " + method);
            }
            b.endOutput();
        }
        return b.build();
    }

    /** Two taps at {@code s} and {@code s + 1}; outside the image the edge pixel alone is used. */
    private static void linear(TableBuilder b, int s, double t, int in) {
        if (s < 0) {
            b.add(0, 1.0);
        } else if (s >= in - 1) {
            b.add(in - 1, 1.0);
        } else {
            b.add(s, 1.0 - t);
            b.add(s + 1, t);
        }
    }

    private static void cubic(TableBuilder b, int s, double t, int in) {
        double a = CUBIC_A;
        double w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
        double w1 = ((a + 2) * t - (a + 3)) * t * t + 1;
        double w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
        double w3 = 1.0 - w0 - w1 - w2;
        b.add(clamp(s - 1, in), w0);
        b.add(clamp(s, in), w1);
        b.add(clamp(s + 1, in), w2);
        b.add(clamp(s + 2, in), w3);
    }

    /** OpenCV's computeResizeAreaTab: the overlap of [d * scale, (d + 1) * scale) with each pixel. */
    private static void box(TableBuilder b, int d, double scale, int in) {
        double from = d * scale;
        double to = from + scale;
        double cellWidth = Math.min(scale, in - from);
        int first = (int) Math.ceil(from);
        int last = Math.min((int) Math.floor(to), in - 1);
        first = Math.min(first, last);
        if (first - from > 1e-3) {
            b.add(first - 1, (first - from) / cellWidth);
        }
        for (int s = first; s < last; s++) {
            b.add(s, 1.0 / cellWidth);
        }
        if (to - last > 1e-3) {
            b.add(last, Math.min(Math.min(to - last, 1.0), cellWidth) / cellWidth);
        }
    }

    private static int clamp(int i, int size) {
        return i < 0 ? 0 : Math.min(i, size - 1);
    }

    /** Accumulates taps in compressed-row form. */
    private static final class TableBuilder {
        private final int[] start;
        private int[] index = new int[16];
        private double[] weight = new double[16];
        private int count;
        private int outputs;

        TableBuilder(int outputs) {
            this.start = new int[outputs + 1];
        }

        void add(int i, double w) {
            if (count == index.length) {
                index = Arrays.copyOf(index, count * 2);
                weight = Arrays.copyOf(weight, count * 2);
            }
            index[count] = i;
            weight[count] = w;
            count++;
        }

        void endOutput() {
            start[++outputs] = count;
        }

        Table build() {
            return new Table(start, Arrays.copyOf(index, count), Arrays.copyOf(weight, count));
        }
    }
}
