package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class SaliencyRendererTest {

    @Test
    void overlayBlendsColourOverTheImage() throws IOException {
        NormalizedSaliency map = map(1, 2, 0f, 1f);
        BufferedImage model = PreprocessorTest.image(2, 1, 0x646464, 0x000000);
        // GRAY colours 0 and 255 at alpha 0.5: 0.5 * 100 + 0 = 50; 0 + 0.5 * 255 = 127.5 -> 128.
        RenderOptions grey = new RenderOptions(RenderMode.OVERLAY, ColorMap.GRAY, 0.5, RenderSize.MODEL);
        assertThat(ImageDecoderTest.pixels(decode(SaliencyRenderer.render(map, null, model, grey))))
                .containsExactly(0x323232, 0x808080);
        // viridis[0] = (68, 1, 84) at alpha 0.25 over 100: 75 + 17, 75 + 0.25 -> 75, 75 + 21.
        RenderOptions viridis = new RenderOptions(RenderMode.OVERLAY, ColorMap.VIRIDIS, 0.25, RenderSize.MODEL);
        assertThat(SaliencyRenderer.renderImage(map, model, viridis).getRGB(0, 0) & 0xFFFFFF)
                .isEqualTo(0x5C4B60);
    }

    @Test
    void heatmapIsTheColourMapAlone() throws IOException {
        NormalizedSaliency map = map(1, 3, 0f, 0.5f, 1f);
        BufferedImage model = new BufferedImage(3, 1, BufferedImage.TYPE_INT_RGB);
        RenderOptions options = new RenderOptions(RenderMode.HEATMAP, ColorMap.VIRIDIS, 0.5, RenderSize.MODEL);
        assertThat(ImageDecoderTest.pixels(decode(SaliencyRenderer.render(map, null, model, options))))
                .containsExactly(0x440154, 0x21918C, 0xFDE725);
    }

    @Test
    void grayIsAnEightBitGreyPng() throws IOException {
        NormalizedSaliency map = map(1, 3, 0f, 0.5f, 1f);
        RenderOptions options = new RenderOptions(RenderMode.GRAY, ColorMap.JET, 0.5, RenderSize.MODEL);
        BufferedImage png = decode(
                SaliencyRenderer.render(map, null, new BufferedImage(3, 1, BufferedImage.TYPE_INT_RGB), options));
        assertThat(png.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
        assertThat(png.getRaster().getSamples(0, 0, 3, 1, 0, (int[]) null)).containsExactly(0, 128, 255);
    }

    @Test
    void smallMapsAreUpsampledBilinearly() throws IOException {
        RenderOptions gray = new RenderOptions(RenderMode.GRAY, ColorMap.GRAY, 0.5, RenderSize.MODEL);
        // 2 -> 4: sample points -0.25, 0.25, 0.75, 1.25 -> 0, 0.25, 0.75, 1 -> entries 0, 64, 192, 255.
        BufferedImage row = SaliencyRenderer.renderImage(
                map(1, 2, 0f, 1f), new BufferedImage(4, 1, BufferedImage.TYPE_INT_RGB), gray);
        assertThat(row.getRaster().getSamples(0, 0, 4, 1, 0, (int[]) null)).containsExactly(0, 64, 192, 255);

        // A 4x4 Grad-CAM-like map with 1 at the top-left, rendered at 50x50.
        float[] cam = new float[16];
        cam[0] = 1;
        BufferedImage big = decode(SaliencyRenderer.render(
                new NormalizedSaliency(cam, 4, 4, NormalizationOptions.DEFAULT, 1, 0, 1),
                null,
                new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB),
                gray));
        assertThat(big.getWidth()).isEqualTo(50);
        assertThat(big.getHeight()).isEqualTo(50);
        assertThat(big.getRaster().getSample(0, 0, 0)).isEqualTo(255); // edge replicated
        assertThat(big.getRaster().getSample(49, 49, 0)).isZero();
        // Pixel 6: sample 6.5 * 4 / 50 - 0.5 = 0.02 in both axes -> 0.98^2 = 0.9604 -> entry 245.
        assertThat(big.getRaster().getSample(6, 6, 0)).isEqualTo(245);
    }

    @Test
    void sizeSelectsModelOrOriginal() throws IOException {
        NormalizedSaliency map = map(2, 3, 0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f);
        BufferedImage original = new BufferedImage(64, 40, BufferedImage.TYPE_INT_RGB);
        BufferedImage model = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        // used by SEGMENTS only
        SegmentOutline outline =
                new SegmentOutline(new Segmentation(new int[] {0, 0, 1, 0, 1, 1}, 3, 2, 2), new int[] {1});
        for (RenderMode mode : RenderMode.values()) {
            BufferedImage atOriginal = decode(SaliencyRenderer.render(
                    map,
                    outline,
                    original,
                    model,
                    new RenderOptions(mode, ColorMap.INFERNO, 0.7, RenderSize.ORIGINAL)));
            assertThat(atOriginal.getWidth()).isEqualTo(64);
            assertThat(atOriginal.getHeight()).isEqualTo(40);
            BufferedImage atModel = decode(SaliencyRenderer.render(map, original, model, RenderOptions.DEFAULT));
            assertThat(atModel.getWidth()).isEqualTo(3);
            assertThat(atModel.getHeight()).isEqualTo(2);
        }
    }

    @Test
    void segmentsOutlineOnlyTheHighlightedSegments() {
        // left half label 0, right half label 1 (4x2); only segment 1 is outlined
        Segmentation seg = new Segmentation(new int[] {0, 0, 1, 1, 0, 0, 1, 1}, 4, 2, 2);
        int[] grey = new int[8];
        java.util.Arrays.fill(grey, 0x102030);
        BufferedImage bg = PreprocessorTest.image(4, 2, grey);
        BufferedImage out = SaliencyRenderer.renderSegments(new SegmentOutline(seg, new int[] {1}), bg);
        for (int y = 0; y < 2; y++) {
            assertThat(out.getRGB(0, y) & 0xFFFFFF).isEqualTo(0x102030);
            assertThat(out.getRGB(1, y) & 0xFFFFFF).isEqualTo(0x102030);
            assertThat(out.getRGB(2, y) & 0xFFFFFF).isEqualTo(SaliencyRenderer.OUTLINE_RGB);
            assertThat(out.getRGB(3, y) & 0xFFFFFF).isEqualTo(0x102030);
        }
        assertThatThrownBy(() -> SaliencyRenderer.renderSegments(null, bg))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void alphaZeroAndOneGiveImageAndHeatmap() {
        NormalizedSaliency map = map(1, 1, 0.5f);
        BufferedImage bg = PreprocessorTest.image(1, 1, 0x102030);
        assertThat(render(map, bg, 0.0)).isEqualTo(0x102030);
        assertThat(render(map, bg, 1.0)).isEqualTo(ColorMap.JET.rgb(128));
    }

    @Test
    void validatesOptions() {
        assertThatThrownBy(() -> new RenderOptions(RenderMode.OVERLAY, ColorMap.JET, 1.5, RenderSize.MODEL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> new RenderOptions(RenderMode.OVERLAY, ColorMap.JET, Double.NaN, RenderSize.MODEL))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SaliencyRenderer.render(map(1, 1, 0f), null, null, RenderOptions.DEFAULT))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("model input");
    }

    private static int render(NormalizedSaliency map, BufferedImage bg, double alpha) {
        RenderOptions options = new RenderOptions(RenderMode.OVERLAY, ColorMap.JET, alpha, RenderSize.MODEL);
        return SaliencyRenderer.renderImage(map, bg, options).getRGB(0, 0) & 0xFFFFFF;
    }

    private static NormalizedSaliency map(int height, int width, float... values) {
        return new NormalizedSaliency(values, height, width, NormalizationOptions.DEFAULT, 1, 0, 1);
    }

    private static BufferedImage decode(byte[] png) throws IOException {
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        return ImageIO.read(new ByteArrayInputStream(png));
    }
}
