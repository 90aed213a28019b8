package io.salience.imaging;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The image formats {@link ImageDecoder} reads. */
public enum ImageFormat {
    PNG("png"),
    JPEG("jpeg", "jpg"),
    BMP("bmp"),
    GIF("gif"),
    TIFF("tiff", "tif");

    private final String[] aliases;

    ImageFormat(String... aliases) {
        this.aliases = aliases;
    }

    /** The supported formats as a human-readable list, e.g. {@code "PNG, JPEG, BMP, GIF, TIFF"}. */
    public static String supportedList() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /** The format an ImageIO format name (case-insensitive, e.g. "jpg", "TIF") stands for, if any. */
    static Optional<ImageFormat> fromImageIoName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (ImageFormat format : values()) {
            for (String alias : format.aliases) {
                if (alias.equals(lower)) {
                    return Optional.of(format);
                }
            }
        }
        return Optional.empty();
    }
}
