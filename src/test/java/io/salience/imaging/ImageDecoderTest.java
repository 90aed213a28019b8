package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder();

    @Test
    void decodesLosslessFormatsExactly() {
        int[] colours = {0xFF0000, 0x00FF00, 0x0000FF, 0x123456, 0xFFFFFF, 0x000000};
        BufferedImage img = PreprocessorTest.image(3, 2, colours);
        for (String format : List.of("png", "bmp", "tiff")) {
            DecodedImage decoded = decoder.decode(encode(img, format));
            assertThat(decoded.format().name()).isEqualTo(format.toUpperCase(Locale.ROOT));
            assertThat(decoded.image().getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
            assertThat(pixels(decoded.image())).as(format).containsExactly(colours);
        }
        // GIF: a palette image (ImageIO's GIF writer quantises RGB input lossily), not tiny (the JDK's
        // GIF reader mis-decodes images of a few pixels).
        IndexColorModel palette =
                new IndexColorModel(8, 6, channel(colours, 16), channel(colours, 8), channel(colours, 0));
        BufferedImage indexed = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_INDEXED, palette);
        int[] expected = new int[256];
        for (int i = 0; i < 256; i++) {
            indexed.getRaster().setSample(i % 16, i / 16, 0, (i + i / 16) % 6);
            expected[i] = colours[(i + i / 16) % 6];
        }
        DecodedImage gif = decoder.decode(encode(indexed, "gif"));
        assertThat(gif.format()).isEqualTo(ImageFormat.GIF);
        assertThat(pixels(gif.image())).containsExactly(expected);
    }

    @Test
    void decodesJpeg() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, 0x80A0C0);
            }
        }
        DecodedImage decoded = decoder.decode(encode(img, "jpeg"));
        assertThat(decoded.format()).isEqualTo(ImageFormat.JPEG);
        assertThat(decoded.width()).isEqualTo(16);
        assertThat(decoded.height()).isEqualTo(16);
        int p = decoded.image().getRGB(8, 8);
        assertThat((p >> 16) & 0xFF).isBetween(0x7C, 0x84);
        assertThat((p >> 8) & 0xFF).isBetween(0x9C, 0xA4);
        assertThat(p & 0xFF).isBetween(0xBC, 0xC4);
    }

    @Test
    void compositesAlphaOnWhite() {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x80FF0000); // red at alpha 128/255
        img.setRGB(1, 0, 0x00000000); // transparent black
        img.setRGB(2, 0, 0xFF102030); // opaque
        BufferedImage decoded = decoder.decode(encode(img, "png")).image();
        // G = B = 255 * (1 - 128/255) = 127; R = 255 * a + 255 * (1 - a) = 255.
        assertThat(pixels(decoded)).containsExactly(0xFF7F7F, 0xFFFFFF, 0x102030);
    }

    @Test
    void compositesPaletteTransparencyOnWhite() {
        byte[] r = {0, (byte) 200};
        byte[] g = {0, 10};
        byte[] b = {0, 20};
        IndexColorModel palette = new IndexColorModel(8, 2, r, g, b, 0); // index 0 transparent
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
        img.getRaster().setSample(0, 0, 0, 0);
        img.getRaster().setSample(1, 0, 0, 1);
        for (String format : List.of("png", "gif")) {
            assertThat(pixels(decoder.decode(encode(img, format)).image()))
                    .as(format)
                    .containsExactly(0xFFFFFF, 0xC80A14);
        }
    }

    @Test
    void greyscaleKeepsStoredLevels() {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 100, 255});
        for (String format : List.of("png", "tiff", "bmp")) {
            assertThat(pixels(decoder.decode(encode(img, format)).image()))
                    .as(format)
                    .containsExactly(0x000000, 0x646464, 0xFFFFFF);
        }
        // Lossy, but still grey and close to the stored levels (no gamma shift: 100 would become ~156).
        int[] jpeg = pixels(decoder.decode(encode(img, "jpeg")).image());
        for (int i = 0; i < 3; i++) {
            int r = jpeg[i] >> 16;
            assertThat(jpeg[i]).isEqualTo(r * 0x010101);
            assertThat(r).isCloseTo(new int[] {0, 100, 255}[i], org.assertj.core.data.Offset.offset(8));
        }
    }

    @Test
    void sixteenBitGreyIsScaledToEightBits() {
        BufferedImage img = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
        // 257 * v is exactly v in 8 bits; 65535 -> 255; 32767 -> round(127.498) = 127.
        img.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {257 * 100, 65535, 0, 32767});
        for (String format : List.of("png", "tiff")) {
            assertThat(pixels(decoder.decode(encode(img, format)).image()))
                    .as(format)
                    .containsExactly(0x646464, 0xFFFFFF, 0x000000, 0x7F7F7F);
        }
    }

    @Test
    void sixteenBitRgbAndGreyAlphaDecode() {
        ComponentColorModel rgb16 = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = rgb16.createCompatibleWritableRaster(1, 1);
        raster.setPixel(0, 0, new int[] {65535, 0, 257 * 50});
        BufferedImage img = new BufferedImage(rgb16, raster, false, null);
        assertThat(pixels(decoder.decode(encode(img, "png")).image())).containsExactly(0xFF0032);

        ComponentColorModel greyAlpha = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_GRAY),
                true,
                false,
                Transparency.TRANSLUCENT,
                DataBuffer.TYPE_BYTE);
        WritableRaster ga = greyAlpha.createCompatibleWritableRaster(2, 1);
        ga.setPixel(0, 0, new int[] {0, 0}); // transparent -> white
        ga.setPixel(1, 0, new int[] {50, 255});
        BufferedImage greyAlphaImage = new BufferedImage(greyAlpha, ga, false, null);
        assertThat(pixels(decoder.decode(encode(greyAlphaImage, "png")).image()))
                .containsExactly(0xFFFFFF, 0x323232);
    }

    @Test
    void readsTheFirstFrameOfAnAnimatedGif() throws IOException {
        BufferedImage red = PreprocessorTest.image(2, 2, 0xFF0000, 0xFF0000, 0xFF0000, 0xFF0000);
        BufferedImage blue = PreprocessorTest.image(2, 2, 0x0000FF, 0x0000FF, 0x0000FF, 0x0000FF);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            writer.writeToSequence(new IIOImage(red, null, null), null);
            writer.writeToSequence(new IIOImage(blue, null, null), null);
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        DecodedImage decoded = decoder.decode(bytes.toByteArray());
        assertThat(decoded.format()).isEqualTo(ImageFormat.GIF);
        assertThat(pixels(decoded.image())).containsOnly(0xFF0000);
    }

    @Test
    void rejectsWhatIsNotASupportedImage() {
        BufferedImage binary = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_BINARY);
        for (byte[] bytes : List.of(
                "hello, world".getBytes(StandardCharsets.US_ASCII),
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0},
                encode(binary, "wbmp"))) {
            assertThatThrownBy(() -> decoder.decode(bytes))
                    .isInstanceOf(UnsupportedImageFormatException.class)
                    .hasMessageContaining("PNG, JPEG, BMP, GIF, TIFF");
        }
        assertThatThrownBy(() -> decoder.decode(new byte[0]))
                .isInstanceOf(UnsupportedImageFormatException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void corruptDataIsADecodeError() {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 64; i++) {
            img.setRGB(i, i, 0xFFFFFF * i / 64);
        }
        byte[] png = encode(img, "png");
        byte[] truncated = Arrays.copyOf(png, png.length / 2);
        byte[] headerOnly = Arrays.copyOf(png, 12);
        for (byte[] bytes : List.of(truncated, headerOnly)) {
            assertThatThrownBy(() -> decoder.decode(bytes))
                    .isInstanceOf(ImageDecodeException.class)
                    .hasMessageContaining("PNG")
                    .satisfies(e -> assertClientSafe(e.getMessage()));
        }
    }

    @Test
    void rejectsDecompressionBombsFromTheHeader() {
        // A valid 1x1 PNG whose header claims 100000 x 100000: must fail before any allocation.
        byte[] png = encode(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), "png");
        byte[] bomb = withPngSize(png, 100_000, 100_000);
        long start = System.nanoTime();
        assertThatThrownBy(() -> decoder.decode(bomb)).isInstanceOfSatisfying(ImageTooLargeException.class, e -> {
            assertThat(e.width()).isEqualTo(100_000);
            assertThat(e.height()).isEqualTo(100_000);
            assertThat(e.maxPixels()).isEqualTo(ImageDecoder.DEFAULT_MAX_PIXELS);
            assertThat(e.getMessage()).contains("100000x100000").contains("40000000");
        });
        assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
    }

    @Test
    void honoursAConfiguredLimit() {
        byte[] png = encode(new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB), "png");
        assertThat(new ImageDecoder(200).decode(png).width()).isEqualTo(20);
        assertThatThrownBy(() -> new ImageDecoder(199).decode(png)).isInstanceOf(ImageTooLargeException.class);
        assertThatThrownBy(() -> new ImageDecoder(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodesTheThirdPartyMriSlicesFromSharedFixtures() throws IOException {
        Path fixtures = Path.of(System.getProperty("salience.shared-dir", "../shared"), "fixtures");
        assumeTrue(Files.isDirectory(fixtures.resolve("brain-mri")), "shared fixtures not found; skipping");
        List<Path> files;
        try (Stream<Path> walk = Stream.concat(
                Files.walk(fixtures.resolve("brain-mri/images")),
                Files.walk(fixtures.resolve("braintumornet/images")))) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(250);
        List<String> png = new java.util.ArrayList<>();
        for (Path file : files) {
            DecodedImage decoded = decoder.decode(Files.readAllBytes(file));
            assertThat(decoded.width()).as(file.toString()).isPositive();
            if (decoded.format() == ImageFormat.PNG) {
                png.add(file.getFileName().toString());
            }
        }
        // Two files named .jpg are really PNG (one grey, one RGBA): detection goes by content.
        assertThat(png).containsExactlyInAnyOrder("y885.jpg", "no.jpg");
    }

    private static byte[] channel(int[] rgb, int shift) {
        byte[] out = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            out[i] = (byte) (rgb[i] >> shift);
        }
        return out;
    }

    private static void assertClientSafe(String message) {
        assertThat(message).doesNotContain("java", "Exception", "/", "\\");
    }

    static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no " + format + " writer for this image type");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] pixels(BufferedImage img) {
        int[] rgb = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        return Arrays.stream(rgb).map(p -> p & 0xFFFFFF).toArray();
    }

    private static byte[] withPngSize(byte[] png, int width, int height) {
        byte[] out = png.clone();
        ByteBuffer b = ByteBuffer.wrap(out);
        b.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(out, 12, 17); // "IHDR" + 13 data bytes
        b.putInt(29, (int) crc.getValue());
        return out;
    }
}
