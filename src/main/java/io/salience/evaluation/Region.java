package io.salience.evaluation;

import io.salience.attribution.InvalidParameterException;
import io.salience.imaging.DecodedImage;
import io.salience.imaging.ImageDecoder;
import io.salience.imaging.MapResizer;
import io.salience.imaging.ResizeMethod;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A region of the model input (the tumour, the object): one flag per input pixel, row-major. Made from a mask image or
 * from VGG Image Annotator (VIA) JSON shapes in the uploaded image's pixel coordinates, and mapped to the model input
 * as the image is: the picture is stretched to the input size, so the region, drawn at the upload's size, is resized
 * to the input size bilinearly and a pixel is inside when at least half of it is.
 *
 * @param mask {@code height * width} flags
 * @param height the model input's height
 * @param width the model input's width
 * @param source what it was made from, for the report ({@code mask} or {@code via:N shapes})
 */
public record Region(boolean[] mask, int height, int width, String source) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Region {
        if (mask.length != height * width) {
            throw new IllegalArgumentException("mask is not " + height + "x" + width);
        }
    }

    /** The region's share of the input's pixels. */
    public double areaFraction() {
        return Localisation.areaFraction(mask);
    }

    /**
     * Reads a region part: VIA JSON when it starts with {@code {} or {@code [}, else a mask image (a pixel is inside
     * when its brightest channel is above 127).
     *
     * @param imageName the uploaded image's file name, which picks the entry of a VIA project file
     * @param imageWidth the uploaded image's width (VIA coordinates are in its pixels)
     * @param imageHeight its height
     */
    public static Region read(
            byte[] data,
            ImageDecoder decoder,
            String imageName,
            int imageWidth,
            int imageHeight,
            int width,
            int height) {
        int i = 0;
        while (i < data.length && Character.isWhitespace(data[i])) {
            i++;
        }
        if (i < data.length && (data[i] == '{' || data[i] == '[')) {
            List<Shape> shapes = viaShapes(new String(data, StandardCharsets.UTF_8), imageName);
            return fromShapes(shapes, imageWidth, imageHeight, width, height);
        }
        DecodedImage mask = decoder.decode(data);
        return fromMask(mask.image(), width, height);
    }

    /** A mask image (brightest channel above 127 = inside), resized to the input. */
    public static Region fromMask(BufferedImage mask, int width, int height) {
        int w = mask.getWidth();
        int h = mask.getHeight();
        float[] m = new float[w * h];
        Raster r = mask.getRaster();
        int bands = Math.min(3, r.getNumBands());
        int[] px = new int[r.getNumBands()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(x, y, px);
                int max = 0;
                for (int b = 0; b < bands; b++) {
                    max = Math.max(max, px[b]);
                }
                m[y * w + x] = max > 127 ? 1f : 0f;
            }
        }
        return fromFloat(m, w, h, width, height, "mask");
    }

    /** Shapes drawn at the upload's size (Java2D fill, pixel centres inside), resized to the input. */
    public static Region fromShapes(List<Shape> shapes, int imageWidth, int imageHeight, int width, int height) {
        BufferedImage canvas = new BufferedImage(imageWidth, imageHeight, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = canvas.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            shapes.forEach(g::fill);
        } finally {
            g.dispose();
        }
        byte[] px = ((java.awt.image.DataBufferByte) canvas.getRaster().getDataBuffer()).getData();
        float[] m = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            m[i] = (px[i] & 0xFF) > 127 ? 1f : 0f;
        }
        return fromFloat(m, imageWidth, imageHeight, width, height, "via:" + shapes.size() + " shapes");
    }

    private static Region fromFloat(float[] m, int w, int h, int width, int height, String source) {
        float[] r = w == width && h == height ? m : MapResizer.resize(m, w, h, 1, width, height, ResizeMethod.BILINEAR);
        boolean[] mask = new boolean[width * height];
        boolean any = false;
        for (int i = 0; i < mask.length; i++) {
            mask[i] = r[i] >= 0.5f;
            any |= mask[i];
        }
        if (!any) {
            throw new InvalidParameterException(
                    "region", "the region covers no pixel of the " + width + "x" + height + " model input");
        }
        return new Region(mask, height, width, source);
    }

    /**
     * The shapes of VIA JSON: a project file (entries keyed by file name and size, the one whose {@code filename} is
     * {@code imageName} is used, or the only one), one entry ({@code {"regions": ...}}) or a list of regions. Each
     * region's {@code shape_attributes} is a {@code polygon} ({@code all_points_x}, {@code all_points_y}), an
     * {@code ellipse} ({@code cx, cy, rx, ry}, {@code theta} in radians), a {@code circle} ({@code cx, cy, r}) or a
     * {@code rect} ({@code x, y, width, height}).
     */
    public static List<Shape> viaShapes(String json, String imageName) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new InvalidParameterException("region", "the region is neither an image nor valid JSON");
        }
        JsonNode regions;
        if (root.isArray()) {
            regions = root;
        } else if (root.has("regions")) {
            regions = root.get("regions");
        } else {
            List<JsonNode> entries = new ArrayList<>();
            root.values().forEach(entries::add);
            JsonNode chosen = null;
            for (JsonNode e : entries) {
                if (e.isObject()
                        && imageName != null
                        && imageName.equals(e.path("filename").asString(""))) {
                    chosen = e;
                }
            }
            if (chosen == null && entries.size() == 1) {
                chosen = entries.get(0);
            }
            if (chosen == null || !chosen.has("regions")) {
                throw new InvalidParameterException(
                        "region",
                        "the VIA project has no entry whose filename is the image part's filename ('" + imageName
                                + "')");
            }
            regions = chosen.get("regions");
        }
        List<Shape> shapes = new ArrayList<>();
        for (JsonNode r : regions) {
            shapes.add(shape(r.path("shape_attributes")));
        }
        if (shapes.isEmpty()) {
            throw new InvalidParameterException("region", "the VIA annotation has no region");
        }
        return shapes;
    }

    private static Shape shape(JsonNode a) {
        String name = a.path("name").asString("");
        switch (name) {
            case "polygon", "polyline" -> {
                JsonNode xs = a.path("all_points_x");
                JsonNode ys = a.path("all_points_y");
                if (!xs.isArray() || xs.size() < 3 || xs.size() != ys.size()) {
                    throw new InvalidParameterException(
                            "region", "a VIA polygon needs all_points_x and all_points_y of equal length, at least 3");
                }
                Path2D.Double p = new Path2D.Double();
                p.moveTo(xs.get(0).asDouble(), ys.get(0).asDouble());
                for (int i = 1; i < xs.size(); i++) {
                    p.lineTo(xs.get(i).asDouble(), ys.get(i).asDouble());
                }
                p.closePath();
                return p;
            }
            case "ellipse" -> {
                double cx = number(a, "cx");
                double cy = number(a, "cy");
                double rx = number(a, "rx");
                double ry = number(a, "ry");
                double theta = a.path("theta").asDouble(0);
                Shape e = new Ellipse2D.Double(cx - rx, cy - ry, 2 * rx, 2 * ry);
                return AffineTransform.getRotateInstance(theta, cx, cy).createTransformedShape(e);
            }
            case "circle" -> {
                double cx = number(a, "cx");
                double cy = number(a, "cy");
                double r = number(a, "r");
                return new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
            }
            case "rect" -> {
                return new Rectangle2D.Double(number(a, "x"), number(a, "y"), number(a, "width"), number(a, "height"));
            }
            default -> throw new InvalidParameterException(
                    "region", "VIA shape '" + name + "' is not one of polygon, ellipse, circle, rect");
        }
    }

    private static double number(JsonNode a, String field) {
        JsonNode v = a.get(field);
        if (v == null || !v.isNumber()) {
            throw new InvalidParameterException(
                    "region", "a VIA " + a.path("name").asString("") + " needs " + field);
        }
        return v.asDouble();
    }
}
