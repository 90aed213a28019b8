package io.salience.testing;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * A corpus of hostile uploads, made here from scratch (nothing downloaded): decompression bombs in ancillary chunks
 * and in pixel data, absurd headers, truncated and corrupt files, scan bombs, looping and oversized TIFF directories,
 * many-frame GIFs, CMYK, wrong magic bytes, an empty file.
 */
public final class HostileImages {

    private HostileImages() {}

    /** Every hostile input by name, with the HTTP status class the service must answer (4 = 4xx, 2 = 200). */
    public record Case(String name, byte[] bytes, int statusClass) {}

    /** The corpus. Text-chunk bombs are valid images and are answered 200 (their chunk is never inflated). */
    public static List<Case> corpus() {
        List<Case> out = new ArrayList<>();
        out.add(new Case("ztxt-bomb-256MiB", pngWithTextBomb("zTXt", 256 << 20), 2));
        out.add(new Case("itxt-bomb-256MiB", pngWithTextBomb("iTXt", 256 << 20), 2));
        out.add(new Case("idat-bomb-36MP", pngIdatBomb(6000, 6000), 4));
        out.add(new Case("png-absurd-header", pngHeaderOnly(0x7FFFFFFF, 0x7FFFFFFF), 4));
        out.add(new Case("png-bad-crc", pngBadCrc(), 4));
        out.add(new Case("png-truncated", truncate(png(50, 50, 1), 0.6), 4));
        out.add(new Case("jpeg-truncated-half", truncate(jpeg(50, 50, 2, false), 0.5), 4));
        out.add(new Case("jpeg-corrupt-entropy", corruptJpeg(jpeg(50, 50, 3, false)), 4));
        out.add(new Case("jpeg-absurd-header", jpegWithSize(jpeg(16, 16, 4, false), 65000, 65000), 4));
        out.add(new Case("jpeg-scan-bomb-1000", scanBomb(jpeg(50, 50, 5, true), 1000), 4));
        out.add(new Case("jpeg-exif-huge-count", jpegWithExif(jpeg(50, 50, 6, false), hugeCountTiff()), 4));
        out.add(new Case("jpeg-cmyk", cmykJpeg(50, 50), 4));
        out.add(new Case("tiff-looping-ifds", loopingTiff(), 4));
        out.add(new Case("tiff-huge-count", hugeCountTiff(), 4));
        out.add(new Case("gif-many-frames", gifFrames(2000), 4));
        out.add(new Case("gif-truncated", truncate(gif(50, 50), 0.5), 4));
        out.add(new Case("gif-absurd-header", gifWithSize(gif(8, 8), 65535, 65535), 4));
        out.add(new Case("bmp-absurd-header", bmpWithSize(encode(rgb(8, 8, 7), "bmp"), 100_000, 100_000), 4));
        out.add(new Case("wrong-magic-text", "this is not an image".getBytes(StandardCharsets.US_ASCII), 4));
        out.add(new Case("wrong-magic-pdf", "%PDF-1.7\n%âãÏÓ\n1 0 obj".getBytes(StandardCharsets.ISO_8859_1), 4));
        out.add(new Case("zero-bytes", new byte[0], 4));
        return out;
    }

    /**
     * Writes the fuzz seeds (small valid images of every format and the corpus's cases under 16 KB) into the folder
     * given as the first argument: {@code src/test/resources/io/salience/imaging/ImageDecoderFuzzTestInputs/...}.
     */
    public static void main(String[] args) throws IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        java.nio.file.Files.createDirectories(dir);
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("valid-png", png(8, 8, 1));
        seeds.put("valid-jpeg", jpeg(16, 16, 2, false));
        seeds.put("valid-jpeg-progressive", jpeg(16, 16, 3, true));
        seeds.put("valid-gif", gif(8, 8));
        seeds.put("valid-bmp", encode(rgb(8, 8, 4), "bmp"));
        seeds.put("valid-tiff", encode(rgb(8, 8, 5), "tiff"));
        for (Case c : corpus()) {
            if (c.bytes().length < 16 * 1024) {
                seeds.put(c.name(), c.bytes());
            }
        }
        for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
            java.nio.file.Files.write(dir.resolve(e.getKey()), e.getValue());
        }
    }

    /** The corpus by name. */
    public static Map<String, byte[]> byName() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        corpus().forEach(c -> m.put(c.name(), c.bytes()));
        return m;
    }

    // ---------------------------------------------------------------- PNG

    /** A noisy RGB image. */
    public static BufferedImage rgb(int width, int height, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, rnd.nextInt(1 << 24));
            }
        }
        return img;
    }

    public static byte[] png(int width, int height, long seed) {
        return encode(rgb(width, height, seed), "png");
    }

    /** A valid 50x50 PNG with a compressed text chunk ({@code zTXt} or {@code iTXt}) that inflates to {@code size}. */
    public static byte[] pngWithTextBomb(String type, long size) {
        byte[] zeros = deflateZeros(size);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes("Comment".getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        if (type.equals("iTXt")) {
            data.write(1); // compressed
            data.write(0); // method
            data.write(0); // empty language tag
            data.write(0); // empty translated keyword
        } else {
            data.write(0); // method
        }
        data.writeBytes(zeros);
        return insertChunk(png(50, 50, 11), type, data.toByteArray());
    }

    /** A PNG declaring {@code width x height} whose IDAT is a small zlib stream of zeros covering every row. */
    public static byte[] pngIdatBomb(int width, int height) {
        long raw = (long) height * (1 + 3L * width);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        out.writeBytes(chunk("IHDR", ihdr(width, height)));
        out.writeBytes(chunk("IDAT", deflateZeros(raw)));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    /** A PNG header (IHDR + IEND) declaring an absurd size. */
    public static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        out.writeBytes(chunk("IHDR", ihdr(width, height)));
        out.writeBytes(chunk("IDAT", deflateZeros(1024)));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    /** A 50x50 PNG one of whose IDAT bytes is flipped (its CRC no longer matches). */
    public static byte[] pngBadCrc() {
        byte[] b = png(50, 50, 12);
        int idat = indexOf(b, "IDAT".getBytes(StandardCharsets.US_ASCII));
        b[idat + 40] ^= 0x55;
        return b;
    }

    private static byte[] ihdr(int width, int height) {
        return ByteBuffer.allocate(13)
                .putInt(width)
                .putInt(height)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0)
                .array();
    }

    /** Inserts a chunk right after IHDR. */
    public static byte[] insertChunk(byte[] png, String type, byte[] data) {
        int at = 8 + 25;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, at);
        out.writeBytes(chunk(type, data));
        out.write(png, at, png.length - at);
        return out.toByteArray();
    }

    public static byte[] chunk(String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        return ByteBuffer.allocate(12 + data.length)
                .putInt(data.length)
                .put(t)
                .put(data)
                .putInt((int) crc.getValue())
                .array();
    }

    private static byte[] deflateZeros(long size) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] zeros = new byte[1 << 20];
        byte[] buf = new byte[1 << 16];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long left = size;
        while (left > 0) {
            int n = (int) Math.min(zeros.length, left);
            deflater.setInput(zeros, 0, n);
            left -= n;
            while (!deflater.needsInput()) {
                out.write(buf, 0, deflater.deflate(buf));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            out.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- JPEG

    /** A JPEG of a smooth-plus-noise image, baseline or progressive. */
    public static byte[] jpeg(int width, int height, long seed, boolean progressive) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = (x * 255 / Math.max(1, width - 1) + rnd.nextInt(30)) & 0xFF;
                int g = (y * 255 / Math.max(1, height - 1) + rnd.nextInt(30)) & 0xFF;
                img.setRGB(x, y, (r << 16) | (g << 8) | rnd.nextInt(256));
            }
        }
        return writeJpeg(new IIOImage(img, null, null), progressive);
    }

    private static byte[] writeJpeg(IIOImage image, boolean progressive) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            writer.write(null, image, param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** The JPEG with its last scan (SOS segment and entropy data) repeated {@code times} more times. */
    public static byte[] scanBomb(byte[] jpeg, int times) {
        int eoi = jpeg.length - 2;
        int lastSos = -1;
        for (int i = 2; i + 1 < eoi; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
                lastSos = i;
            }
        }
        if (lastSos < 0) {
            throw new IllegalArgumentException("no scan");
        }
        byte[] scan = Arrays.copyOfRange(jpeg, lastSos, eoi);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, eoi);
        for (int k = 0; k < times; k++) {
            out.writeBytes(scan);
        }
        out.write(jpeg, eoi, 2);
        return out.toByteArray();
    }

    /** The JPEG with bytes of its entropy-coded data overwritten by restart-like garbage. */
    public static byte[] corruptJpeg(byte[] jpeg) {
        byte[] b = jpeg.clone();
        int sos = indexOf(b, new byte[] {(byte) 0xFF, (byte) 0xDA});
        int start = sos + 2 + (((b[sos + 2] & 0xFF) << 8) | (b[sos + 3] & 0xFF));
        for (int i = start + 10; i < Math.min(b.length - 2, start + 60); i += 2) {
            b[i] = (byte) 0xFF;
            b[i + 1] = (byte) 0xD3; // a restart marker where none belongs
        }
        return b;
    }

    /** The JPEG with the size in its frame header replaced. */
    public static byte[] jpegWithSize(byte[] jpeg, int width, int height) {
        byte[] b = jpeg.clone();
        for (int i = 2; i + 8 < b.length; i++) {
            if ((b[i] & 0xFF) == 0xFF && ((b[i + 1] & 0xFF) == 0xC0 || (b[i + 1] & 0xFF) == 0xC2)) {
                b[i + 5] = (byte) (height >> 8);
                b[i + 6] = (byte) height;
                b[i + 7] = (byte) (width >> 8);
                b[i + 8] = (byte) width;
                return b;
            }
        }
        throw new IllegalArgumentException("no frame header");
    }

    /** The JPEG with an APP1 EXIF segment holding {@code tiff} inserted after SOI. */
    public static byte[] jpegWithExif(byte[] jpeg, byte[] tiff) {
        byte[] exif = new byte[6 + tiff.length];
        System.arraycopy("Exif\0\0".getBytes(StandardCharsets.US_ASCII), 0, exif, 0, 6);
        System.arraycopy(tiff, 0, exif, 6, tiff.length);
        return insertSegment(jpeg, 0xE1, exif);
    }

    /** The JPEG with a marker segment inserted after SOI. */
    public static byte[] insertSegment(byte[] jpeg, int marker, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(marker);
        out.write((data.length + 2) >> 8);
        out.write(data.length + 2);
        out.writeBytes(data);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** A four-component (CMYK) JPEG written from a raster. */
    public static byte[] cmykJpeg(int width, int height) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        Random rnd = new Random(13);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int b = 0; b < 4; b++) {
                    raster.setSample(x, y, b, rnd.nextInt(256));
                }
            }
        }
        return writeJpeg(new IIOImage(raster, null, null), false);
    }

    // ---------------------------------------------------------------- TIFF

    /** A little-endian TIFF of one 1x1 grey strip whose second directory points back to the first. */
    public static byte[] loopingTiff() {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        writeIfd(b, 8, 1, 1, 250, 1, 120); // next IFD at 120
        writeIfd(b, 120, 1, 1, 250, 1, 8); // next IFD: back to 8
        b.put(250, (byte) 0x80);
        return b.array();
    }

    /** A TIFF whose directory has an entry declaring 2^30 LONG values far past the end of the file. */
    public static byte[] hugeCountTiff() {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        writeIfd(b, 8, 1, 1, 200, 1 << 30, 0);
        b.put(200, (byte) 0x80);
        return b.array();
    }

    /** One directory: width, height, 8-bit grey, one strip at {@code strip}, an extra entry of {@code count}. */
    private static void writeIfd(ByteBuffer b, int at, int width, int height, int strip, int count, int next) {
        b.position(at);
        short entries = 8;
        b.putShort(entries);
        entry(b, 256, 3, 1, width); // ImageWidth
        entry(b, 257, 3, 1, height); // ImageLength
        entry(b, 258, 3, 1, 8); // BitsPerSample
        entry(b, 262, 3, 1, 1); // Photometric: BlackIsZero
        entry(b, 273, 4, 1, strip); // StripOffsets
        entry(b, 278, 3, 1, height); // RowsPerStrip
        entry(b, 279, 4, 1, width * height); // StripByteCounts
        entry(b, 305, 4, count, 240); // Software, as LONGs: count values at offset 240
        b.putInt(next);
    }

    private static void entry(ByteBuffer b, int tag, int type, int count, int value) {
        b.putShort((short) tag).putShort((short) type).putInt(count);
        if (type == 3 && count == 1) {
            b.putShort((short) value).putShort((short) 0);
        } else {
            b.putInt(value);
        }
    }

    // ---------------------------------------------------------------- GIF

    public static byte[] gif(int width, int height) {
        return encode(rgb(width, height, 21), "gif");
    }

    /** A GIF89a of {@code frames} 1x1 frames. */
    public static byte[] gifFrames(int frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GIF89a".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] {1, 0, 1, 0, (byte) 0x80, 0, 0}); // 1x1, global table of 2 colours
        out.writeBytes(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
        for (int i = 0; i < frames; i++) {
            out.writeBytes(new byte[] {0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0}); // image descriptor
            out.writeBytes(new byte[] {2, 2, 0x4C, 0x01, 0}); // LZW min size 2, one sub-block, terminator
        }
        out.write(0x3B);
        return out.toByteArray();
    }

    /** The GIF with its logical screen and first frame size replaced. */
    public static byte[] gifWithSize(byte[] gif, int width, int height) {
        byte[] b = gif.clone();
        b[6] = (byte) width;
        b[7] = (byte) (width >> 8);
        b[8] = (byte) height;
        b[9] = (byte) (height >> 8);
        int desc = indexOf(b, new byte[] {0x2C, 0, 0, 0, 0});
        b[desc + 5] = (byte) width;
        b[desc + 6] = (byte) (width >> 8);
        b[desc + 7] = (byte) height;
        b[desc + 8] = (byte) (height >> 8);
        return b;
    }

    // ---------------------------------------------------------------- BMP

    /** The BMP with the size in its info header replaced. */
    public static byte[] bmpWithSize(byte[] bmp, int width, int height) {
        byte[] b = bmp.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(18, width).putInt(22, height);
        return b;
    }

    // ---------------------------------------------------------------- helpers

    public static byte[] encode(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] truncate(byte[] b, double fraction) {
        return Arrays.copyOf(b, (int) (b.length * fraction));
    }

    private static int indexOf(byte[] b, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= b.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }
}
