package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PreprocessorTest {

    private static final Offset<Float> EPS = within(1e-4f);

    // 2x2 image: (10,20,30) (50,60,70) / (90,100,110) (130,140,150).
    private static final BufferedImage TWO_BY_TWO = image(2, 2, 0x0A141E, 0x323C46, 0x5A646E, 0x828C96);

    @Test
    void bilinearTwoByTwoToOneIsTheAverage() {
        // Sample point (0.5, 0.5): weight 1/4 on each pixel.
        assertThat(apply(TWO_BY_TWO, 1, 1, ColorMode.RGB, ResizeMethod.BILINEAR))
                .containsExactly(70f, 80f, 90f);
    }

    @Test
    void bgrReversesTheChannels() {
        assertThat(apply(TWO_BY_TWO, 1, 1, ColorMode.BGR, ResizeMethod.BILINEAR))
                .containsExactly(90f, 80f, 70f);
        BufferedImage twoPixels = image(2, 1, 0x010203, 0x040506);
        assertThat(apply(twoPixels, 2, 1, ColorMode.BGR, ResizeMethod.NEAREST)).containsExactly(3f, 2f, 1f, 6f, 5f, 4f);
    }

    @Test
    void grayscaleIsLumaInFloat() {
        // 0.299 * 10 + 0.587 * 20 + 0.114 * 30 = 18.15 (PIL "L" would round to 18).
        assertThat(apply(image(1, 1, 0x0A141E), 1, 1, ColorMode.GRAYSCALE, ResizeMethod.BILINEAR)[0])
                .isCloseTo(18.15f, EPS);
        // Converted before resizing: average of the four lumas 0.299 * 70 + 0.587 * 80 + 0.114 * 90.
        assertThat(apply(TWO_BY_TWO, 1, 1, ColorMode.GRAYSCALE, ResizeMethod.AREA)[0])
                .isCloseTo(78.15f, EPS);
        // A grey pixel keeps its value exactly.
        assertThat(apply(image(1, 1, 0x7B7B7B), 1, 1, ColorMode.GRAYSCALE, ResizeMethod.NEAREST))
                .containsExactly(123f);
    }

    @Test
    void fourByFourToTwoByTwoBilinearAndAreaAverageBlocks() {
        // Grey values v = 10 * (4y + x); each output pixel averages one 2x2 block.
        BufferedImage img = greyRamp(4, 4, (x, y) -> 10 * (4 * y + x));
        float[] expected = {25, 45, 105, 125};
        for (ResizeMethod method : List.of(ResizeMethod.BILINEAR, ResizeMethod.AREA)) {
            float[] out = apply(img, 2, 2, ColorMode.GRAYSCALE, method);
            for (int i = 0; i < 4; i++) {
                assertThat(out[i]).as(method + " " + i).isCloseTo(expected[i], EPS);
            }
        }
    }

    @Test
    void fourToThreeBilinearAndAreaDiffer() {
        BufferedImage img = greyRamp(4, 1, (x, y) -> 30 * x); // 0, 30, 60, 90
        // Bilinear: sample points 1/6, 3/2, 17/6 -> 5, 45, 85.
        assertThat(apply(img, 3, 1, ColorMode.GRAYSCALE, ResizeMethod.BILINEAR))
                .containsExactly(new float[] {5, 45, 85}, EPS);
        // Area: cells [0, 4/3), [4/3, 8/3), [8/3, 4) -> (0*1 + 30/3) * 3/4 = 7.5, (30 + 60) / 2, 82.5.
        assertThat(apply(img, 3, 1, ColorMode.GRAYSCALE, ResizeMethod.AREA))
                .containsExactly(new float[] {7.5f, 45, 82.5f}, EPS);
    }

    @Test
    void upscalingUsesHalfPixelCentresAndReplicatesEdges() {
        BufferedImage img = greyRamp(2, 1, (x, y) -> 100 * x); // 0, 100
        // Sample points -0.25, 0.25, 0.75, 1.25.
        assertThat(apply(img, 4, 1, ColorMode.GRAYSCALE, ResizeMethod.BILINEAR))
                .containsExactly(new float[] {0, 25, 75, 100}, EPS);
        // Nearest: floor((i + 0.5) / 2) = 0, 0, 1, 1.
        assertThat(apply(img, 4, 1, ColorMode.GRAYSCALE, ResizeMethod.NEAREST)).containsExactly(0f, 0f, 100f, 100f);
        // Bicubic (a = -0.75): at t = 0.25 the weights are -0.10546875, 0.87890625, 0.26171875,
        // -0.03515625, so 100 * (0.26171875 - 0.03515625); the edge overshoots to -10.546875.
        assertThat(apply(img, 4, 1, ColorMode.GRAYSCALE, ResizeMethod.BICUBIC))
                .containsExactly(new float[] {-10.546875f, 22.65625f, 77.34375f, 110.546875f}, EPS);
    }

    @Test
    void nearestShrinkTakesTheCentrePixel() {
        BufferedImage img = greyRamp(4, 1, (x, y) -> 30 * x);
        // floor((i + 0.5) * 2) = 1, 3.
        assertThat(apply(img, 2, 1, ColorMode.GRAYSCALE, ResizeMethod.NEAREST)).containsExactly(30f, 90f);
    }

    @ParameterizedTest
    @EnumSource(ResizeMethod.class)
    void sameSizeIsTheIdentity(ResizeMethod method) {
        BufferedImage img = greyRamp(5, 3, (x, y) -> 17 * x + 40 * y);
        float[] out = apply(img, 5, 3, ColorMode.GRAYSCALE, method);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                assertThat(out[y * 5 + x]).isCloseTo(17 * x + 40 * y, EPS);
            }
        }
    }

    @Test
    void matchesOpenCvOnFloatAndUint8Images() {
        for (OpenCvResizeReference.Case c : OpenCvResizeReference.CASES) {
            BufferedImage img = new BufferedImage(c.inWidth(), c.inHeight(), BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < c.inHeight(); y++) {
                for (int x = 0; x < c.inWidth(); x++) {
                    int r = (int) OpenCvResizeReference.source(y, x, 0);
                    int g = (int) OpenCvResizeReference.source(y, x, 1);
                    int b = (int) OpenCvResizeReference.source(y, x, 2);
                    img.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            PreprocessSpec spec = new PreprocessSpec(c.outWidth(), c.outHeight(), ColorMode.RGB, c.method(), List.of());
            float[] out = Preprocessor.apply(img, spec, c.precision());
            if (c.precision() == ResizePrecision.UINT8) {
                assertThat(out).as(c.name()).containsExactly(c.expected());
            } else {
                assertThat(out).as(c.name()).containsExactly(c.expected(), within(2e-3f));
            }
        }
    }

    @Test
    void uint8BilinearMatchesOpenCvOnSharedMriSlices() throws IOException {
        Path fixtures = Path.of(System.getProperty("salience.shared-dir", "../shared"), "fixtures");
        assumeTrue(Files.isDirectory(fixtures.resolve("brain-mri")), "shared fixtures not found; skipping");
        PreprocessSpec spec = new PreprocessSpec(64, 64, ColorMode.BGR, ResizeMethod.BILINEAR, List.of());
        ImageDecoder decoder = new ImageDecoder();
        for (Map.Entry<String, Long> e : OpenCvResizeReference.FIXTURE_CRCS.entrySet()) {
            DecodedImage decoded = decoder.decode(Files.readAllBytes(fixtures.resolve(e.getKey())));
            float[] t = Preprocessor.apply(decoded.image(), spec, ResizePrecision.UINT8);
            byte[] bytes = new byte[t.length];
            for (int i = 0; i < t.length; i++) {
                bytes[i] = (byte) t[i];
            }
            CRC32 crc = new CRC32();
            crc.update(bytes);
            // Same bytes as cv2.resize(cv2.imread(file), (64, 64)): decoding and resizing agree.
            assertThat(crc.getValue()).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void uint8RoundsGreyLikePil() {
        // (10 * 19595 + 20 * 38470 + 30 * 7471 + 32768) >> 16 = 18 (float: 18.15).
        PreprocessSpec spec = new PreprocessSpec(1, 1, ColorMode.GRAYSCALE, ResizeMethod.AREA, List.of());
        assertThat(Preprocessor.apply(image(1, 1, 0x0A141E), spec, ResizePrecision.UINT8))
                .containsExactly(18f);
        // Area average of 0 and 1 is 0.5, rounded half to even -> 0; bilinear fixed point -> 1 (half up).
        BufferedImage pair = greyRamp(2, 1, (x, y) -> x);
        PreprocessSpec area = new PreprocessSpec(1, 1, ColorMode.GRAYSCALE, ResizeMethod.AREA, List.of());
        assertThat(Preprocessor.apply(pair, area, ResizePrecision.UINT8)).containsExactly(0f);
        PreprocessSpec linear = new PreprocessSpec(1, 1, ColorMode.GRAYSCALE, ResizeMethod.BILINEAR, List.of());
        assertThat(Preprocessor.apply(pair, linear, ResizePrecision.UINT8)).containsExactly(1f);
        assertThat(Preprocessor.prepare(pair, linear, ResizePrecision.UINT8).tensor())
                .containsExactly(1f);
    }

    @Test
    void valueStepsApplyInOrder() {
        float[] t = {10, 20, 30};
        Preprocessor.applySteps(
                t,
                1,
                1,
                3,
                List.of(
                        new ValueStep.Mean(new double[] {1, 2, 3}), // 9, 18, 27
                        new ValueStep.Std(new double[] {3}), // 3, 6, 9
                        new ValueStep.Scale(2), // 6, 12, 18
                        new ValueStep.Offset(-1))); // 5, 11, 17
        assertThat(t).containsExactly(new float[] {5, 11, 17}, EPS);
    }

    @Test
    void l2NormalizeAlongEachAxis() {
        // H = 2, W = 2, C = 1: rows [3, 1] and [4, 0].
        float[] byHeight = {3, 1, 4, 0};
        Preprocessor.applySteps(byHeight, 2, 2, 1, List.of(new ValueStep.L2Normalize(Axis.HEIGHT)));
        // Column 0: [3, 4] / 5; column 1: [1, 0] / 1.
        assertThat(byHeight).containsExactly(new float[] {0.6f, 1f, 0.8f, 0f}, EPS);

        float[] byWidth = {3, 1, 4, 0};
        Preprocessor.applySteps(byWidth, 2, 2, 1, List.of(new ValueStep.L2Normalize(Axis.WIDTH)));
        float r10 = (float) Math.sqrt(10);
        assertThat(byWidth).containsExactly(new float[] {3 / r10, 1 / r10, 1f, 0f}, EPS);

        // H = 1, W = 2, C = 2: pixels (3, 4) and (0, 0); the zero vector stays zero.
        float[] byChannel = {3, 4, 0, 0};
        Preprocessor.applySteps(byChannel, 1, 2, 2, List.of(new ValueStep.L2Normalize(Axis.CHANNEL)));
        assertThat(byChannel).containsExactly(0.6f, 0.8f, 0f, 0f);

        // HEIGHT with channels: H = 2, W = 1, C = 2: (3, 0) over (4, 0); channel 1 is all zero.
        float[] withChannels = {3, 0, 4, 0};
        Preprocessor.applySteps(withChannels, 2, 1, 2, List.of(new ValueStep.L2Normalize(Axis.HEIGHT)));
        assertThat(withChannels).containsExactly(new float[] {0.6f, 0f, 0.8f, 0f}, EPS);
    }

    @Test
    void brainMriStylePipeline() {
        // BGR, bilinear, keras.utils.normalize(axis=1): every (x, c) column has unit norm.
        PreprocessSpec spec = new PreprocessSpec(
                4, 4, ColorMode.BGR, ResizeMethod.BILINEAR, List.of(new ValueStep.L2Normalize(Axis.HEIGHT)));
        BufferedImage img = greyRamp(8, 8, (x, y) -> 3 * x + 20 * y + 5);
        float[] t = Preprocessor.apply(img, spec);
        assertThat(t).hasSize(48);
        for (int x = 0; x < 4; x++) {
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int y = 0; y < 4; y++) {
                    sum += t[(y * 4 + x) * 3 + c] * t[(y * 4 + x) * 3 + c];
                }
                assertThat(sum).isCloseTo(1.0, within(1e-5));
            }
        }
    }

    @Test
    void prepareGivesTheTensorAndTheResizedRgbImage() {
        PreprocessSpec spec =
                new PreprocessSpec(1, 1, ColorMode.BGR, ResizeMethod.BILINEAR, List.of(new ValueStep.Scale(1 / 255.0)));
        PreparedImage prepared = Preprocessor.prepare(TWO_BY_TWO, spec);
        assertThat(prepared.tensor()).containsExactly(new float[] {90 / 255f, 80 / 255f, 70 / 255f}, EPS);
        assertThat(prepared.resized().getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(prepared.resized().getRGB(0, 0) & 0xFFFFFF).isEqualTo(0x46505A); // (70, 80, 90)
        assertThat(Preprocessor.apply(TWO_BY_TWO, spec)).containsExactly(prepared.tensor());

        PreprocessSpec grey = new PreprocessSpec(1, 1, ColorMode.GRAYSCALE, ResizeMethod.AREA, List.of());
        PreparedImage greyPrepared = Preprocessor.prepare(TWO_BY_TWO, grey);
        assertThat(greyPrepared.tensor()[0]).isCloseTo(78.15f, EPS);
        assertThat(greyPrepared.resized().getRGB(0, 0) & 0xFFFFFF).isEqualTo(0x46505A);
    }

    @Test
    void resizeRgbRoundsToEightBits() {
        BufferedImage img = greyRamp(2, 1, (x, y) -> x); // 0, 1 -> 0, 0.25, 0.75, 1
        BufferedImage out = Preprocessor.resizeRgb(img, 4, 1, ResizeMethod.BILINEAR);
        assertThat(out.getRGB(1, 0) & 0xFF).isZero();
        assertThat(out.getRGB(2, 0) & 0xFF).isEqualTo(1);
        // Bicubic overshoot is clamped.
        BufferedImage edge = greyRamp(2, 1, (x, y) -> 255 * x);
        BufferedImage cubic = Preprocessor.resizeRgb(edge, 4, 1, ResizeMethod.BICUBIC);
        assertThat(cubic.getRGB(0, 0) & 0xFF).isZero();
        assertThat(cubic.getRGB(3, 0) & 0xFF).isEqualTo(255);
    }

    @Test
    void acceptsNonRgbImages() {
        BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 100);
        grey.getRaster().setSample(1, 0, 0, 200);
        // Stored grey levels are used as they are (Java2D would gamma-convert them).
        assertThat(apply(grey, 2, 1, ColorMode.RGB, ResizeMethod.NEAREST))
                .containsExactly(100f, 100f, 100f, 200f, 200f, 200f);
    }

    @Test
    void validatesArguments() {
        assertThatThrownBy(() -> Preprocessor.applySteps(new float[5], 1, 2, 3, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1x2x3");
        assertThatThrownBy(() -> Preprocessor.resizeRgb(TWO_BY_TWO, 0, 1, ResizeMethod.AREA))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static float[] apply(BufferedImage img, int w, int h, ColorMode mode, ResizeMethod method) {
        return Preprocessor.apply(img, new PreprocessSpec(w, h, mode, method, List.of()));
    }

    static BufferedImage image(int w, int h, int... rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, rgb, 0, w);
        return img;
    }

    interface Level {
        int at(int x, int y);
    }

    static BufferedImage greyRamp(int w, int h, Level level) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = level.at(x, y);
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        return img;
    }
}
