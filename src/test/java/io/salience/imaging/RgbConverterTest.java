package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The 8-bit shortcut of {@link RgbConverter#toIntRgb} gives the general conversion's pixels. */
class RgbConverterTest {

    @Test
    void eightBitRgbAndGreyShortcutsGiveTheGeneralConversion() {
        Random random = new Random(16);
        int[][] sizes = {{1, 1}, {1, 9}, {9, 1}, {50, 50}, {37, 23}};
        for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_BYTE_GRAY}) {
            for (int[] size : sizes) {
                BufferedImage image = new BufferedImage(size[0], size[1], type);
                for (int y = 0; y < size[1]; y++) {
                    for (int x = 0; x < size[0]; x++) {
                        image.setRGB(x, y, random.nextInt());
                    }
                }
                assertSame(image);
                if (size[0] > 2 && size[1] > 2) {
                    // a child raster: offsets into the parent's buffer
                    assertSame(image.getSubimage(1, 1, size[0] - 2, size[1] - 2));
                }
            }
        }
    }

    private static void assertSame(BufferedImage image) {
        BufferedImage fast = RgbConverter.toIntRgb(image);
        BufferedImage general = RgbConverter.toIntRgbGeneral(image);
        assertThat(fast.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(data(fast))
                .as("type %d %dx%d", image.getType(), image.getWidth(), image.getHeight())
                .isEqualTo(data(general));
    }

    private static int[] data(BufferedImage image) {
        return ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
    }
}
