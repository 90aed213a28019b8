package io.salience.imaging;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferInt;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Converts any {@link BufferedImage} to TYPE_INT_RGB the way OpenCV and PIL see pixels: stored RGB
 * or grey samples are taken as they are (no gamma or ICC conversion, which Java2D would apply to
 * grey images), scaled to 8 bits, and alpha is composited on white.
 */
final class RgbConverter {

    private RgbConverter() {}

    /** Returns {@code source} itself when it is already TYPE_INT_RGB, otherwise a converted copy. */
    static BufferedImage toIntRgb(BufferedImage source) {
        if (source.getType() == BufferedImage.TYPE_INT_RGB) {
            return source;
        }
        int width = source.getWidth();
        int height = source.getHeight();
        BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] out = ((DataBufferInt) target.getRaster().getDataBuffer()).getData();
        if (source.getType() == BufferedImage.TYPE_3BYTE_BGR || source.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            convertBytes(source.getRaster(), source.getType() == BufferedImage.TYPE_BYTE_GRAY, out);
        } else {
            convert(source, out);
        }
        return target;
    }

    /** The general conversion, without the 8-bit shortcut (for tests). */
    static BufferedImage toIntRgbGeneral(BufferedImage source) {
        BufferedImage target = new BufferedImage(source.getWidth(), source.getHeight(), BufferedImage.TYPE_INT_RGB);
        convert(source, ((DataBufferInt) target.getRaster().getDataBuffer()).getData());
        return target;
    }

    /**
     * 8-bit sRGB without alpha (TYPE_3BYTE_BGR: what the PNG and JPEG readers give for RGB) or 8-bit grey
     * (TYPE_BYTE_GRAY): the samples are the 8-bit values themselves, so they are packed as they are. {@link
     * #convertComponents} gives the same (scale 255 / 255 = 1, nothing to clamp or round), one float at a time.
     */
    private static void convertBytes(Raster raster, boolean grey, int[] out) {
        int width = raster.getWidth();
        byte[] row = new byte[width * (grey ? 1 : 3)];
        for (int y = 0; y < raster.getHeight(); y++) {
            // samples in band order: R, G, B (or grey) per pixel
            raster.getDataElements(0, y, width, 1, row);
            int base = y * width;
            if (grey) {
                for (int x = 0; x < width; x++) {
                    int g = row[x] & 0xFF;
                    out[base + x] = pack(g, g, g);
                }
            } else {
                for (int x = 0, i = 0; x < width; x++, i += 3) {
                    out[base + x] = pack(row[i] & 0xFF, row[i + 1] & 0xFF, row[i + 2] & 0xFF);
                }
            }
        }
    }

    private static void convert(BufferedImage source, int[] out) {
        ColorModel cm = source.getColorModel();
        if (cm instanceof IndexColorModel icm) {
            convertIndexed(source.getRaster(), icm, out);
        } else if (isPlainComponents(cm, source.getRaster())) {
            convertComponents(source.getRaster(), cm, out);
        } else {
            convertViaColorModel(source, out);
        }
    }

    /** RGB or grey (optionally with alpha) in unsigned integer or float samples. */
    private static boolean isPlainComponents(ColorModel cm, Raster raster) {
        if (!(cm instanceof ComponentColorModel) && !(cm instanceof DirectColorModel)) {
            return false;
        }
        int csType = cm.getColorSpace().getType();
        int colours = cm.getNumColorComponents();
        boolean layoutOk =
                (csType == ColorSpace.TYPE_RGB && colours == 3) || (csType == ColorSpace.TYPE_GRAY && colours == 1);
        if (!layoutOk || raster.getNumBands() != cm.getNumComponents()) {
            return false;
        }
        int transfer = raster.getTransferType();
        if (transfer == DataBuffer.TYPE_FLOAT || transfer == DataBuffer.TYPE_DOUBLE) {
            return true;
        }
        if (transfer != DataBuffer.TYPE_BYTE && transfer != DataBuffer.TYPE_USHORT && transfer != DataBuffer.TYPE_INT) {
            return false;
        }
        for (int size : cm.getComponentSize()) {
            if (size < 1 || size > 30) {
                return false;
            }
        }
        return true;
    }

    private static void convertIndexed(Raster raster, IndexColorModel icm, int[] out) {
        int width = raster.getWidth();
        int size = icm.getMapSize();
        int[] palette = new int[size];
        icm.getRGBs(palette);
        int[] lut = new int[size];
        for (int i = 0; i < size; i++) {
            int argb = palette[i];
            double a = (argb >>> 24) / 255.0;
            lut[i] = pack(over((argb >> 16) & 0xFF, a), over((argb >> 8) & 0xFF, a), over(argb & 0xFF, a));
        }
        int[] row = new int[width];
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(0, y, width, 1, 0, row);
            int base = y * width;
            for (int x = 0; x < width; x++) {
                int index = row[x];
                out[base + x] = index >= 0 && index < size ? lut[index] : 0;
            }
        }
    }

    private static void convertComponents(Raster raster, ColorModel cm, int[] out) {
        int width = raster.getWidth();
        int bands = raster.getNumBands();
        boolean floating =
                raster.getTransferType() == DataBuffer.TYPE_FLOAT || raster.getTransferType() == DataBuffer.TYPE_DOUBLE;
        // Factor taking a raw sample to 0..255; floating samples are normalised to 0..1.
        float[] scale = new float[bands];
        for (int b = 0; b < bands; b++) {
            scale[b] = floating ? 255f : (float) (255.0 / ((1L << cm.getComponentSize(b)) - 1));
        }
        boolean grey = cm.getNumColorComponents() == 1;
        int alphaBand = cm.hasAlpha() ? bands - 1 : -1;
        boolean premultiplied = cm.isAlphaPremultiplied();
        float[][] rows = new float[bands][width];
        int[] intRow = new int[width];
        for (int y = 0; y < raster.getHeight(); y++) {
            for (int b = 0; b < bands; b++) {
                if (floating) {
                    raster.getSamples(0, y, width, 1, b, rows[b]);
                } else {
                    raster.getSamples(0, y, width, 1, b, intRow);
                    for (int x = 0; x < width; x++) {
                        rows[b][x] = intRow[x];
                    }
                }
                float s = scale[b];
                float[] r = rows[b];
                for (int x = 0; x < width; x++) {
                    r[x] = Math.min(255f, Math.max(0f, r[x] * s));
                }
            }
            float[] red = rows[0];
            float[] green = grey ? rows[0] : rows[1];
            float[] blue = grey ? rows[0] : rows[2];
            int base = y * width;
            if (alphaBand < 0) {
                for (int x = 0; x < width; x++) {
                    out[base + x] = pack(round(red[x]), round(green[x]), round(blue[x]));
                }
            } else {
                float[] alphaRow = rows[alphaBand];
                for (int x = 0; x < width; x++) {
                    double a = alphaRow[x] / 255.0;
                    out[base + x] = premultiplied
                            ? pack(
                                    overPremultiplied(red[x], a),
                                    overPremultiplied(green[x], a),
                                    overPremultiplied(blue[x], a))
                            : pack(over(red[x], a), over(green[x], a), over(blue[x], a));
                }
            }
        }
    }

    /** Anything else (CMYK, YCbCr, Lab, signed samples): let the colour model convert to sRGB. */
    private static void convertViaColorModel(BufferedImage source, int[] out) {
        int width = source.getWidth();
        int[] row = new int[width];
        for (int y = 0; y < source.getHeight(); y++) {
            source.getRGB(0, y, width, 1, row, 0, width);
            int base = y * width;
            for (int x = 0; x < width; x++) {
                int argb = row[x];
                int alpha = argb >>> 24;
                if (alpha == 255) {
                    out[base + x] = argb & 0xFFFFFF;
                } else {
                    double a = alpha / 255.0;
                    out[base + x] =
                            pack(over((argb >> 16) & 0xFF, a), over((argb >> 8) & 0xFF, a), over(argb & 0xFF, a));
                }
            }
        }
    }

    /** A straight-alpha colour value composited on white. */
    private static int over(double value, double alpha) {
        return round(value * alpha + 255.0 * (1.0 - alpha));
    }

    /** A premultiplied colour value composited on white. */
    private static int overPremultiplied(double value, double alpha) {
        return round(value + 255.0 * (1.0 - alpha));
    }

    private static int round(double value) {
        int v = (int) (value + 0.5);
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static int pack(int r, int g, int b) {
        return (r << 16) | (g << 8) | b;
    }
}
