package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An image already at the model's size skips the resize ({@link Preprocessor#prepareDirect}); the tensor and the
 * resized picture must be bit for bit those of the general path ({@link Preprocessor#prepareResampled}), for every
 * colour mode, resize method, precision and value step, on synthetic images of several pixel layouts and on real
 * patches with the demo model's and the brain-MRI model's preprocessing.
 */
class PreprocessorDirectPathTest {

    private static final Path SHARED = Path.of(System.getProperty("salience.shared-dir", "../shared"));

    @Test
    void everyModeMethodPrecisionAndStepGivesTheGeneralPathsBits() {
        Random random = new Random(16);
        int[][] sizes = {{1, 1}, {1, 7}, {7, 1}, {2, 2}, {5, 3}, {50, 50}, {64, 48}};
        int[] types = {
            BufferedImage.TYPE_INT_RGB,
            BufferedImage.TYPE_3BYTE_BGR,
            BufferedImage.TYPE_INT_ARGB,
            BufferedImage.TYPE_BYTE_GRAY,
            BufferedImage.TYPE_USHORT_GRAY
        };
        int checked = 0;
        for (int[] size : sizes) {
            for (int type : types) {
                BufferedImage image = randomImage(size[0], size[1], type, random);
                for (ColorMode mode : ColorMode.values()) {
                    for (List<ValueStep> steps : stepLists(mode.channels())) {
                        for (ResizeMethod method : ResizeMethod.values()) {
                            PreprocessSpec spec = new PreprocessSpec(size[0], size[1], mode, method, steps);
                            for (ResizePrecision precision : ResizePrecision.values()) {
                                assertSameAsGeneralPath(image, spec, precision);
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertThat(checked).isEqualTo(sizes.length * types.length * 3 * 4 * 4 * 2);
    }

    @Test
    void demoModelPreprocessingOnRealPatches() throws IOException {
        Path patches = SHARED.resolve("data/idc-patches");
        assumeTrue(Files.isDirectory(patches), "shared IDC patches not found; skipping");
        // models/idc-demo/model.yaml: 50x50, rgb, bilinear, scale 1/255
        PreprocessSpec spec = new PreprocessSpec(
                50, 50, ColorMode.RGB, ResizeMethod.BILINEAR, List.of(new ValueStep.Scale(0.00392156862745098)));
        List<Path> files = firstFiles(patches, ".png", 12);
        assertThat(files).isNotEmpty();
        ImageDecoder decoder = new ImageDecoder();
        int atSize = 0;
        for (Path f : files) {
            BufferedImage image = decoder.decode(Files.readAllBytes(f)).image();
            if (image.getWidth() == 50 && image.getHeight() == 50) {
                atSize++;
            }
            for (ResizePrecision precision : ResizePrecision.values()) {
                assertSameAsGeneralPath(image, spec, precision);
            }
        }
        assertThat(atSize).as("patches already at 50x50").isPositive();
    }

    @Test
    void brainMriPreprocessingOnRealSlicesAtTheModelSize() throws IOException {
        Path images = SHARED.resolve("fixtures/brain-mri/images");
        assumeTrue(Files.isDirectory(images), "shared brain-MRI fixture not found; skipping");
        // TestModels.shared("brain-mri"): 64x64, bgr, bilinear, l2-normalize along the height axis
        PreprocessSpec spec = new PreprocessSpec(
                64, 64, ColorMode.BGR, ResizeMethod.BILINEAR, List.of(new ValueStep.L2Normalize(Axis.HEIGHT)));
        ImageDecoder decoder = new ImageDecoder();
        List<Path> files = new ArrayList<>(firstFiles(images.resolve("yes"), ".jpg", 4));
        files.addAll(firstFiles(images.resolve("no"), ".jpg", 4));
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            BufferedImage slice = decoder.decode(Files.readAllBytes(f)).image();
            // the slices come in various sizes: bring them to 64x64 first, so the direct path is taken
            BufferedImage atSize = Preprocessor.resizeRgb(slice, 64, 64, ResizeMethod.BILINEAR);
            for (ResizePrecision precision : ResizePrecision.values()) {
                assertSameAsGeneralPath(atSize, spec, precision);
                assertSameAsGeneralPath(slice, spec, precision);
            }
        }
    }

    private static void assertSameAsGeneralPath(BufferedImage image, PreprocessSpec spec, ResizePrecision precision) {
        String what =
                image.getWidth() + "x" + image.getHeight() + " type " + image.getType() + " " + spec + " " + precision;
        PreparedImage fast = Preprocessor.prepare(image, spec, precision);
        PreparedImage general = Preprocessor.prepareResampled(RgbConverter.toIntRgb(image), spec, precision);
        assertThat(bits(fast.tensor())).as(what).isEqualTo(bits(general.tensor()));
        assertThat(pixels(fast.resized())).as(what).isEqualTo(pixels(general.resized()));
        assertThat(fast.resized().getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(bits(Preprocessor.apply(image, spec, precision)))
                .as(what)
                .isEqualTo(bits(Preprocessor.applyResampled(image, spec, precision)));
    }

    private static List<List<ValueStep>> stepLists(int channels) {
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = 0.4 + 0.05 * c;
            std[c] = 0.2 + 0.03 * c;
        }
        return List.of(
                List.of(),
                List.of(new ValueStep.Scale(1 / 255.0)),
                List.of(new ValueStep.Scale(1 / 255.0), new ValueStep.Mean(mean), new ValueStep.Std(std)),
                List.of(new ValueStep.L2Normalize(Axis.HEIGHT)));
    }

    private static BufferedImage randomImage(int width, int height, int type, Random random) {
        BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int argb = random.nextInt();
                if (random.nextInt(4) == 0) {
                    argb |= 0xFF000000;
                }
                image.setRGB(x, y, argb);
            }
        }
        return image;
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static List<Path> firstFiles(Path dir, String suffix, int n) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(suffix))
                    .sorted()
                    .limit(n)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
