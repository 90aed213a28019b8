package io.salience.imaging;

/**
 * OpenCV's {@code INTER_LINEAR} resize of 8-bit images, bit for bit: 11-bit fixed-point
 * coefficients computed in float, an integer horizontal pass, and the vertical pass of OpenCV's SIMD
 * kernel ({@code VResizeLinearVec_32s8u}): {@code ((((S0 >> 4) * b0) >> 16) + (((S1 >> 4) * b1) >>
 * 16) + 2) >> 2}. Horizontal coefficients are clamped at the edges; vertical ones are not (both rows
 * then clamp to the edge row), as in OpenCV.
 */
final class OpenCvLinear8 {

    private static final int COEF_SCALE = 2048;

    private OpenCvLinear8() {}

    /**
     * Resizes an interleaved image whose source rows hold integers 0..255 (as floats); returns the
     * integer results as floats.
     */
    static float[] resize(
            Resampler.RowSource source, int inWidth, int inHeight, int channels, int outWidth, int outHeight) {
        int[] xOffset = new int[outWidth];
        int[] alpha = coefficients(inWidth, outWidth, true, xOffset);
        int[] yOffset = new int[outHeight];
        int[] beta = coefficients(inHeight, outHeight, false, yOffset);

        int[][] rows = new int[inHeight][];
        float[] sourceRow = new float[inWidth * channels];
        for (int y = 0; y < outHeight; y++) {
            for (int k = 0; k < 2; k++) {
                int sy = clamp(yOffset[y] + k, inHeight);
                if (rows[sy] == null) {
                    source.read(sy, sourceRow);
                    rows[sy] = horizontal(sourceRow, inWidth, channels, xOffset, alpha);
                }
            }
        }

        int rowLength = outWidth * channels;
        float[] out = new float[outHeight * rowLength];
        for (int y = 0; y < outHeight; y++) {
            int[] s0 = rows[clamp(yOffset[y], inHeight)];
            int[] s1 = rows[clamp(yOffset[y] + 1, inHeight)];
            int b0 = beta[2 * y];
            int b1 = beta[2 * y + 1];
            int base = y * rowLength;
            for (int i = 0; i < rowLength; i++) {
                int v = ((((s0[i] >> 4) * b0) >> 16) + (((s1[i] >> 4) * b1) >> 16) + 2) >> 2;
                out[base + i] = v < 0 ? 0 : Math.min(v, 255);
            }
        }
        return out;
    }

    private static int[] horizontal(float[] in, int inWidth, int channels, int[] xOffset, int[] alpha) {
        int outWidth = xOffset.length;
        int[] out = new int[outWidth * channels];
        for (int x = 0; x < outWidth; x++) {
            int s0 = xOffset[x] * channels;
            int s1 = Math.min(xOffset[x] + 1, inWidth - 1) * channels;
            int a0 = alpha[2 * x];
            int a1 = alpha[2 * x + 1];
            for (int c = 0; c < channels; c++) {
                out[x * channels + c] = (int) in[s0 + c] * a0 + (int) in[s1 + c] * a1;
            }
        }
        return out;
    }

    /** Fills {@code offsets} with the first source index and returns coefficient pairs. */
    private static int[] coefficients(int in, int out, boolean clampEdges, int[] offsets) {
        double scale = 1.0 / ((double) out / in);
        int[] coef = new int[2 * out];
        for (int d = 0; d < out; d++) {
            float f = (float) ((d + 0.5) * scale - 0.5);
            int s = (int) Math.floor(f);
            f -= s;
            if (clampEdges && s < 0) {
                f = 0;
                s = 0;
            }
            if (clampEdges && s >= in - 1) {
                f = 0;
                s = in - 1;
            }
            offsets[d] = s;
            coef[2 * d] = (int) Math.rint((1f - f) * COEF_SCALE);
            coef[2 * d + 1] = (int) Math.rint(f * COEF_SCALE);
        }
        return coef;
    }

    private static int clamp(int i, int size) {
        return i < 0 ? 0 : Math.min(i, size - 1);
    }
}
