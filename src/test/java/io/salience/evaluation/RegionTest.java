package io.salience.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.salience.attribution.InvalidParameterException;
import io.salience.imaging.ImageDecoder;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Regions from VIA JSON and mask images, mapped to the model input. */
class RegionTest {

    private static final ImageDecoder DECODER = new ImageDecoder();

    private static int count(Region r) {
        int n = 0;
        for (boolean b : r.mask()) {
            if (b) {
                n++;
            }
        }
        return n;
    }

    private static Region via(String json, String name, int w, int h, int mw, int mh) {
        return Region.read(json.getBytes(StandardCharsets.UTF_8), DECODER, name, w, h, mw, mh);
    }

    @Test
    void polygonAtTheModelSize() {
        // the square with corners (2, 3) and (6, 7): Java2D fills the pixel centres inside, x 2..5, y 3..6
        String json = "[{\"shape_attributes\":{\"name\":\"polygon\",\"all_points_x\":[2,6,6,2],"
                + "\"all_points_y\":[3,3,7,7]},\"region_attributes\":{}}]";
        Region r = via(json, null, 10, 10, 10, 10);
        assertThat(count(r)).isEqualTo(16);
        assertThat(r.mask()[3 * 10 + 2]).isTrue();
        assertThat(r.mask()[6 * 10 + 5]).isTrue();
        assertThat(r.mask()[7 * 10 + 6]).isFalse();
        assertThat(r.areaFraction()).isEqualTo(0.16);
    }

    @Test
    void mappedToTheInputAsTheImageIs() {
        // a 40x20 upload stretched to a 10x10 input: the left half of the upload is the left half of the input
        String json = "{\"regions\":[{\"shape_attributes\":{\"name\":\"rect\",\"x\":0,\"y\":0,\"width\":20,"
                + "\"height\":20}}]}";
        Region r = via(json, null, 40, 20, 10, 10);
        assertThat(count(r)).isEqualTo(50);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 10; x++) {
                assertThat(r.mask()[y * 10 + x]).isEqualTo(x < 5);
            }
        }
    }

    @Test
    void ellipsesAndCircles() {
        // a circle of radius 10 at the centre of 64x64: about pi * 100 pixels
        String circle = "[{\"shape_attributes\":{\"name\":\"circle\",\"cx\":32,\"cy\":32,\"r\":10}}]";
        assertThat(count(via(circle, null, 64, 64, 64, 64))).isBetween(300, 330);
        // an ellipse rx 20, ry 5 turned by 90 degrees covers rows, not columns
        String ellipse = "[{\"shape_attributes\":{\"name\":\"ellipse\",\"cx\":32,\"cy\":32,\"rx\":20,\"ry\":5,"
                + "\"theta\":1.5707963267948966}}]";
        Region e = via(ellipse, null, 64, 64, 64, 64);
        assertThat(count(e)).isBetween(300, 330);
        assertThat(e.mask()[(32 + 15) * 64 + 32]).isTrue();
        assertThat(e.mask()[32 * 64 + 32 + 15]).isFalse();
    }

    @Test
    void projectFilePicksTheImagesEntry() {
        String json = "{\"a.jpg1\":{\"filename\":\"a.jpg\",\"regions\":[{\"shape_attributes\":{\"name\":\"rect\","
                + "\"x\":0,\"y\":0,\"width\":2,\"height\":2}}]},"
                + "\"b.jpg2\":{\"filename\":\"b.jpg\",\"regions\":[{\"shape_attributes\":{\"name\":\"rect\","
                + "\"x\":0,\"y\":0,\"width\":4,\"height\":4}}]}}";
        assertThat(count(via(json, "b.jpg", 8, 8, 8, 8))).isEqualTo(16);
        assertThat(count(via(json, "a.jpg", 8, 8, 8, 8))).isEqualTo(4);
        assertThatThrownBy(() -> via(json, "c.jpg", 8, 8, 8, 8))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("no entry whose filename is the image part's file name")
                // an upload's file name can hold patient data: errors never echo it
                .message()
                .doesNotContain("c.jpg");
    }

    @Test
    void badRegionsAre400s() {
        assertThatThrownBy(() -> via("{not json", null, 8, 8, 8, 8)).isInstanceOf(InvalidParameterException.class);
        assertThatThrownBy(() -> via("[]", null, 8, 8, 8, 8)).isInstanceOf(InvalidParameterException.class);
        assertThatThrownBy(
                        () -> via("[{\"shape_attributes\":{\"name\":\"point\",\"cx\":1,\"cy\":1}}]", null, 8, 8, 8, 8))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("point");
        // a region outside the image covers no input pixel
        assertThatThrownBy(() -> via(
                        "[{\"shape_attributes\":{\"name\":\"rect\",\"x\":20,\"y\":20,\"width\":3,\"height\":3}}]",
                        null,
                        8,
                        8,
                        8,
                        8))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("no pixel");
    }

    @Test
    void maskImage() throws IOException {
        BufferedImage mask = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        for (int y = 10; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                mask.setRGB(x, y, 0xFFFFFF);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(mask, "png", png);
        Region r = Region.read(png.toByteArray(), DECODER, null, 20, 20, 10, 10);
        assertThat(r.source()).isEqualTo("mask");
        assertThat(count(r)).isEqualTo(50);
        assertThat(r.mask()[9 * 10]).isTrue();
        assertThat(r.mask()[4 * 10 + 9]).isFalse();
    }

    @Test
    void brainMriAnnotationsGiveTumourSizedRegions() throws IOException {
        Path dir = io.salience.testing.TestModels.sharedDir().resolve("fixtures/brain-mri/annotated");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isRegularFile(dir.resolve("annotations_train.json")), "shared fixture " + dir + " is absent");
        String json = Files.readString(dir.resolve("annotations_train.json"));
        double sum = 0;
        int n = 0;
        for (int i = 0; i < 500; i += 25) {
            BufferedImage img = ImageIO.read(dir.resolve("y" + i + ".jpg").toFile());
            Region r = Region.read(
                    json.getBytes(StandardCharsets.UTF_8),
                    DECODER,
                    "y" + i + ".jpg",
                    img.getWidth(),
                    img.getHeight(),
                    64,
                    64);
            assertThat(r.areaFraction()).isBetween(0.001, 0.5);
            sum += r.areaFraction();
            n++;
        }
        // the figure: tumours cover 5.7 % of a slice on average
        assertThat(sum / n).isBetween(0.02, 0.12);
    }
}
