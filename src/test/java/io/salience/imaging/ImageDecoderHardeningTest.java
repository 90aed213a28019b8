package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.salience.testing.HostileImages;
import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decoder against hostile inputs ({@link HostileImages}): metadata bombs cost nothing, scan bombs, damaged,
 * truncated, looping and CMYK files are refused with {@link ImageDecodeException} (HTTP 422) before or instead of
 * being decoded into made-up pixels.
 */
class ImageDecoderHardeningTest {

    private final ImageDecoder decoder = new ImageDecoder();

    @Test
    void compressedTextChunksAreNeverInflated() {
        for (String type : List.of("zTXt", "iTXt")) {
            byte[] bomb = HostileImages.pngWithTextBomb(type, 256L << 20);
            long allocated = allocatedBytes();
            long t0 = System.nanoTime();
            DecodedImage img = decoder.decode(bomb);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long mib = (allocatedBytes() - allocated) >> 20;
            System.out.printf(
                    "%s bomb of %d KB (256 MiB inflated): decoded in %d ms, %d MiB allocated%n",
                    type, bomb.length / 1024, ms, mib);
            assertThat(img.width()).isEqualTo(50);
            assertThat(mib).as(type + " MiB allocated by the decode").isLessThan(32);
        }
    }

    @Test
    void ancillaryChunksAreDroppedButTransparencyIsKept() {
        // a 2x1 palette PNG whose second entry is fully transparent (tRNS), with a tEXt chunk before it
        BufferedImage img = new BufferedImage(
                2,
                1,
                BufferedImage.TYPE_BYTE_INDEXED,
                new java.awt.image.IndexColorModel(
                        8, 2, new byte[] {(byte) 255, 0}, new byte[] {0, 0}, new byte[] {0, 0}, 1));
        img.getRaster().setSample(1, 0, 0, 1);
        byte[] png = HostileImages.encode(img, "png");
        byte[] withText = HostileImages.insertChunk(png, "tEXt", "Comment\0secret".getBytes());
        int[] rgb = decoder.decode(withText).image().getRGB(0, 0, 2, 1, null, 0, 2);
        assertThat(rgb[0] & 0xFFFFFF).isEqualTo(0xFF0000);
        assertThat(rgb[1] & 0xFFFFFF).isEqualTo(0xFFFFFF); // transparent on white
    }

    @Test
    void aJpegWithTooManyScansIsRefusedBeforeDecoding() {
        byte[] progressive = HostileImages.jpeg(50, 50, 5, true);
        assertThat(decoder.decode(progressive).width()).isEqualTo(50); // an ordinary progressive JPEG decodes
        byte[] bomb = HostileImages.scanBomb(progressive, 1000);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> decoder.decode(bomb))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining("more than 32 scans");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);
    }

    @Test
    void truncatedAndDamagedFilesAreRefused() {
        for (String name : List.of(
                "jpeg-truncated-half",
                "jpeg-corrupt-entropy",
                "png-bad-crc",
                "png-truncated",
                "gif-truncated",
                "tiff-looping-ifds",
                "tiff-huge-count",
                "jpeg-exif-huge-count")) {
            byte[] bytes = HostileImages.byName().get(name);
            assertThatThrownBy(() -> decoder.decode(bytes)).as(name).isInstanceOf(ImageDecodeException.class);
        }
    }

    @Test
    void aJpegCutInHalfIsNotAnsweredWithGreyPixels() {
        byte[] whole = HostileImages.jpeg(64, 64, 8, false);
        assertThat(decoder.decode(whole).width()).isEqualTo(64);
        assertThatThrownBy(() -> decoder.decode(HostileImages.truncate(whole, 0.5)))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void cmykJpegsAreRefusedWithAClearMessage() {
        assertThatThrownBy(() -> decoder.decode(HostileImages.cmykJpeg(50, 50)))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining("CMYK")
                .hasMessageContaining("convert the image to RGB");
    }

    @Test
    void gifsWithTooManyFramesAreRefusedAndFewFramesDecode() {
        assertThat(decoder.decode(HostileImages.gifFrames(3)).width()).isEqualTo(1);
        assertThatThrownBy(() -> decoder.decode(HostileImages.gifFrames(2000)))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining("more than 256 frames");
    }

    @Test
    void anAbortedDecodeFails() {
        ImageDecoder.Abort abort = new ImageDecoder.Abort();
        abort.abort();
        assertThatThrownBy(() -> decoder.decode(HostileImages.png(50, 50, 3), 10_000, abort))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining("stopped");
    }

    @Test
    void aPerDecodePixelLimitBelowTheDecodersIsApplied() {
        byte[] png = HostileImages.png(50, 50, 4);
        assertThat(decoder.decode(png, 2500, new ImageDecoder.Abort()).width()).isEqualTo(50);
        assertThatThrownBy(() -> decoder.decode(png, 2499, new ImageDecoder.Abort()))
                .isInstanceOf(ImageTooLargeException.class);
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
