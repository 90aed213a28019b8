package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the decoder with arbitrary bytes (seeded with small images of every format and the hostile corpus's small
 * cases, committed under {@code ImageDecoderFuzzTestInputs}). The only allowed outcomes are a decoded image within
 * the limits or one of the three exceptions the API answers with 4xx (415, 413, 422); anything else (another
 * runtime exception, an error, running out of memory) would be a 500. {@code ./mvnw verify} replays the committed
 * inputs; {@code ./mvnw -Pfuzz test} fuzzes.
 */
@Tag("fuzz")
class ImageDecoderFuzzTest {

    private static final long MAX_PIXELS = 1_000_000;
    private static final ImageDecoder DECODER = new ImageDecoder(MAX_PIXELS);

    @FuzzTest(maxDuration = "2m")
    void arbitraryBytesDecodeOrAreRefusedWith4xx(byte[] bytes) {
        try {
            DecodedImage img = DECODER.decode(bytes);
            assertThat((long) img.width() * img.height()).isBetween(1L, MAX_PIXELS);
        } catch (UnsupportedImageFormatException | ImageTooLargeException | ImageDecodeException expected) {
            // 415, 413, 422
        }
    }
}
