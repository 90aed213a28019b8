package io.salience.imaging;

import java.io.ByteArrayOutputStream;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Structural checks of an upload before any decoder sees it, in time linear in its size and without decompressing
 * anything: the format from the magic bytes, then per format
 *
 * <ul>
 *   <li>PNG: every chunk inside the file with a correct CRC, an {@code IEND}; only the chunks that define pixels
 *       ({@code IHDR}, {@code PLTE}, {@code tRNS}, {@code IDAT}, {@code IEND}) are passed on, so text chunks
 *       ({@code tEXt}, {@code zTXt}, {@code iTXt}), profiles and other metadata are never inflated;
 *   <li>JPEG: every marker segment inside the file, at most {@code maxScans} scans ({@code SOS}), an {@code EOI},
 *       three colour components or one (CMYK and YCCK are refused), an EXIF block that is a sound TIFF structure;
 *   <li>GIF: every block inside the file up to the trailer, at most {@code maxFrames} frames;
 *   <li>TIFF: the directory chain (and EXIF, GPS and sub-directories) inside the file, without loops, at most
 *       {@code maxFrames} directories, every entry's values inside the file.
 * </ul>
 *
 * Messages are written for clients.
 */
final class ImageScreen {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final Set<String> PNG_PIXEL_CHUNKS = Set.of("IHDR", "PLTE", "tRNS", "IDAT", "IEND");
    /** Sizes of the TIFF field types 1..18 (0 = unknown type, sized 1 so its values must still fit). */
    private static final int[] TIFF_TYPE_SIZE = {1, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 1, 1, 8, 8, 8};
    /** Tags whose value is the offset of another directory: SubIFDs, ExifIFD, GPSIFD, InteropIFD. */
    private static final Set<Integer> TIFF_IFD_POINTERS = Set.of(330, 34665, 34853, 40965);

    private final int maxScans;
    private final int maxFrames;

    ImageScreen(int maxScans, int maxFrames) {
        this.maxScans = maxScans;
        this.maxFrames = maxFrames;
    }

    /** The format the magic bytes name, if one we read. */
    static Optional<ImageFormat> sniff(byte[] b) {
        int n = b.length;
        if (startsWith(b, PNG_SIGNATURE)) {
            return Optional.of(ImageFormat.PNG);
        }
        if (n >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return Optional.of(ImageFormat.JPEG);
        }
        if (n >= 6
                && b[0] == 'G'
                && b[1] == 'I'
                && b[2] == 'F'
                && b[3] == '8'
                && (b[4] == '7' || b[4] == '9')
                && b[5] == 'a') {
            return Optional.of(ImageFormat.GIF);
        }
        if (n >= 2 && b[0] == 'B' && b[1] == 'M') {
            return Optional.of(ImageFormat.BMP);
        }
        if (n >= 4
                && ((b[0] == 'I' && b[1] == 'I' && (b[2] == 42 || b[2] == 43) && b[3] == 0)
                        || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && (b[3] == 42 || b[3] == 43)))) {
            return Optional.of(ImageFormat.TIFF);
        }
        return Optional.empty();
    }

    /**
     * Checks {@code bytes} of {@code format} and returns what the decoder is to read (a PNG without its metadata
     * chunks; the bytes themselves otherwise).
     *
     * @throws ImageDecodeException when the structure is broken or over a limit
     */
    byte[] screen(byte[] bytes, ImageFormat format) {
        return switch (format) {
            case PNG -> png(bytes);
            case JPEG -> {
                jpeg(bytes);
                yield bytes;
            }
            case GIF -> {
                gif(bytes);
                yield bytes;
            }
            case TIFF -> {
                tiff(bytes, 0, bytes.length, "TIFF");
                yield bytes;
            }
            case BMP -> bytes;
        };
    }

    // ---------------------------------------------------------------- PNG

    private static byte[] png(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        out.write(PNG_SIGNATURE, 0, PNG_SIGNATURE.length);
        int pos = PNG_SIGNATURE.length;
        boolean first = true;
        CRC32 crc = new CRC32();
        while (true) {
            if (pos + 8 > b.length) {
                throw damaged("The PNG is truncated: it ends before its IEND chunk");
            }
            long length = u32be(b, pos);
            String type = new String(b, pos + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (length > b.length - pos - 12L) {
                throw damaged("The PNG is truncated: chunk " + printable(type) + " runs past the end of the file");
            }
            int dataEnd = pos + 8 + (int) length;
            crc.reset();
            crc.update(b, pos + 4, 4 + (int) length);
            if (crc.getValue() != u32be(b, dataEnd)) {
                throw damaged("The PNG is damaged: chunk " + printable(type) + " has a bad CRC");
            }
            if (first && !"IHDR".equals(type)) {
                throw damaged("The PNG is damaged: it does not start with an IHDR chunk");
            }
            first = false;
            boolean critical = (b[pos + 4] & 0x20) == 0;
            if (PNG_PIXEL_CHUNKS.contains(type)) {
                out.write(b, pos, 12 + (int) length);
            } else if (critical) {
                throw damaged("The PNG uses an unknown critical chunk " + printable(type));
            }
            pos = dataEnd + 4;
            if ("IEND".equals(type)) {
                return out.toByteArray();
            }
        }
    }

    // ---------------------------------------------------------------- JPEG

    private void jpeg(byte[] b) {
        int n = b.length;
        int pos = 2;
        int scans = 0;
        int frames = 0;
        while (true) {
            if (pos >= n) {
                throw damaged("The JPEG is truncated: it ends before its end-of-image marker");
            }
            if ((b[pos] & 0xFF) != 0xFF) {
                throw damaged("The JPEG is damaged: a marker was expected at byte " + pos);
            }
            while (pos < n && (b[pos] & 0xFF) == 0xFF) {
                pos++; // fill bytes
            }
            if (pos >= n) {
                throw damaged("The JPEG is truncated: it ends before its end-of-image marker");
            }
            int marker = b[pos++] & 0xFF;
            if (marker == 0xD9) {
                if (frames == 0 || scans == 0) {
                    throw damaged("The JPEG holds no image data");
                }
                return;
            }
            if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                continue; // no length
            }
            if (marker == 0xD8 || marker == 0x00) {
                throw damaged("The JPEG is damaged: unexpected marker 0x" + Integer.toHexString(marker));
            }
            if (pos + 2 > n) {
                throw damaged("The JPEG is truncated: it ends inside a marker segment");
            }
            int length = u16be(b, pos);
            if (length < 2 || pos + length > n) {
                throw damaged("The JPEG is truncated: a marker segment runs past the end of the file");
            }
            int data = pos + 2;
            int dataLength = length - 2;
            if (isStartOfFrame(marker)) {
                frames++;
                if (frames > 1) {
                    throw damaged("The JPEG is damaged: it declares more than one frame");
                }
                if (dataLength < 6) {
                    throw damaged("The JPEG is damaged: its frame header is too short");
                }
                int components = b[data + 5] & 0xFF;
                if (components == 4) {
                    throw new ImageDecodeException("CMYK and YCCK JPEGs are not supported (their colours cannot"
                            + " be reproduced without the printer's colour profile); convert the image to RGB");
                }
                if (components != 1 && components != 3) {
                    throw new ImageDecodeException(
                            "JPEGs with " + components + " colour components are not supported; use RGB or grey");
                }
            } else if (marker == 0xE1 && dataLength >= 6 && startsWithAt(b, data, "Exif\0\0")) {
                tiff(b, data + 6, data + dataLength, "JPEG's EXIF");
            } else if (marker == 0xDA) {
                scans++;
                if (scans > maxScans) {
                    throw new ImageDecodeException("The JPEG has more than " + maxScans + " scans"
                            + " (salience.api.max-jpeg-scans); progressive JPEGs have about 10");
                }
                pos = skipEntropyCoded(b, data + dataLength);
                continue;
            }
            pos += length;
        }
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    /** The position of the next marker after entropy-coded data starting at {@code pos}. */
    private static int skipEntropyCoded(byte[] b, int pos) {
        int n = b.length;
        while (pos + 1 < n) {
            if ((b[pos] & 0xFF) == 0xFF) {
                int next = b[pos + 1] & 0xFF;
                if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7)) {
                    return pos;
                }
                pos += next == 0xFF ? 1 : 2;
            } else {
                pos++;
            }
        }
        throw damaged("The JPEG is truncated: its image data ends without an end-of-image marker");
    }

    // ---------------------------------------------------------------- GIF

    private void gif(byte[] b) {
        int n = b.length;
        if (n < 13) {
            throw damaged("The GIF is truncated: its header is incomplete");
        }
        int pos = 13;
        int packed = b[10] & 0xFF;
        if ((packed & 0x80) != 0) {
            pos += 3 << ((packed & 7) + 1);
        }
        int frames = 0;
        while (true) {
            if (pos >= n) {
                throw damaged("The GIF is truncated: it ends before its trailer");
            }
            int block = b[pos++] & 0xFF;
            if (block == 0x3B) {
                if (frames == 0) {
                    throw damaged("The GIF holds no image");
                }
                return;
            } else if (block == 0x21) {
                pos = skipSubBlocks(b, pos + 1);
            } else if (block == 0x2C) {
                frames++;
                if (frames > maxFrames) {
                    throw new ImageDecodeException(
                            "The GIF has more than " + maxFrames + " frames (salience.api.max-frames)");
                }
                if (pos + 10 > n) {
                    throw damaged("The GIF is truncated inside an image descriptor");
                }
                int local = b[pos + 8] & 0xFF;
                pos += 9;
                if ((local & 0x80) != 0) {
                    pos += 3 << ((local & 7) + 1);
                }
                pos = skipSubBlocks(b, pos + 1); // after the LZW minimum code size
            } else {
                throw damaged("The GIF is damaged: unknown block 0x" + Integer.toHexString(block));
            }
        }
    }

    private static int skipSubBlocks(byte[] b, int pos) {
        while (true) {
            if (pos >= b.length) {
                throw damaged("The GIF is truncated: its data ends inside a block");
            }
            int size = b[pos] & 0xFF;
            pos += 1 + size;
            if (size == 0) {
                return pos;
            }
        }
    }

    // ---------------------------------------------------------------- TIFF (also EXIF)

    private void tiff(byte[] b, int start, int end, String what) {
        if (end - start < 8) {
            throw damaged("The " + what + " header is incomplete");
        }
        boolean little = b[start] == 'I';
        if (!little && b[start] != 'M' || b[start + 1] != b[start]) {
            throw damaged("The " + what + " header names no byte order");
        }
        int magic = u16(b, start + 2, little);
        if (magic == 43) {
            return; // BigTIFF: left to the reader, which bounds its own reads
        }
        if (magic != 42) {
            throw damaged("The " + what + " header is damaged");
        }
        Set<Long> visited = new HashSet<>();
        int[] directories = {0};
        walkIfdChain(b, start, end, u32(b, start + 4, little), little, what, visited, directories, 0);
    }

    private void walkIfdChain(
            byte[] b,
            int start,
            int end,
            long offset,
            boolean little,
            String what,
            Set<Long> visited,
            int[] directories,
            int depth) {
        if (depth > 4) {
            throw damaged("The " + what + " nests its directories too deeply");
        }
        boolean first = true;
        while (offset != 0 || first) {
            first = false;
            if (!visited.add(offset)) {
                throw damaged("The " + what + " directories form a loop");
            }
            if (++directories[0] > maxFrames) {
                throw new ImageDecodeException(
                        "The " + what + " has more than " + maxFrames + " directories (salience.api.max-frames)");
            }
            long at = start + offset;
            if (offset < 8 || at + 2 > end) {
                throw damaged("The " + what + " points to a directory outside the file");
            }
            int entries = u16(b, (int) at, little);
            long next = at + 2 + 12L * entries;
            if (next + 4 > end) {
                throw damaged("The " + what + " declares " + entries + " entries that run past the end of the file");
            }
            for (int i = 0; i < entries; i++) {
                int e = (int) at + 2 + 12 * i;
                int tag = u16(b, e, little);
                int type = u16(b, e + 2, little);
                long count = u32(b, e + 4, little);
                long size = count * (type < TIFF_TYPE_SIZE.length ? TIFF_TYPE_SIZE[type] : 1);
                long valueOffset = u32(b, e + 8, little);
                if (size > 4 && start + valueOffset + size > end) {
                    throw damaged("The " + what + " has an entry (tag " + tag + ") of " + count
                            + " values that run past the end of the file");
                }
                if (TIFF_IFD_POINTERS.contains(tag) && count >= 1 && (type == 4 || type == 13)) {
                    long pointers = Math.min(count, 64);
                    for (int k = 0; k < pointers; k++) {
                        long child = count == 1 ? valueOffset : u32(b, (int) (start + valueOffset) + 4 * k, little);
                        walkIfdChain(b, start, end, child, little, what, visited, directories, depth + 1);
                    }
                }
            }
            offset = u32(b, (int) next, little);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static ImageDecodeException damaged(String message) {
        return new ImageDecodeException(message);
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWithAt(byte[] b, int at, String ascii) {
        if (at + ascii.length() > b.length) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (b[at + i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String type) {
        return type.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) ? type : "(unnamed)";
    }

    private static long u32be(byte[] b, int at) {
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
    }

    private static int u16be(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    private static int u16(byte[] b, int at, boolean little) {
        return little ? (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8) : u16be(b, at);
    }

    private static long u32(byte[] b, int at, boolean little) {
        return little
                ? (b[at] & 0xFFL)
                        | ((b[at + 1] & 0xFFL) << 8)
                        | ((b[at + 2] & 0xFFL) << 16)
                        | ((b[at + 3] & 0xFFL) << 24)
                : u32be(b, at);
    }
}
