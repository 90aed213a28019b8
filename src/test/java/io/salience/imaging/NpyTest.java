package io.salience.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class NpyTest {

    /** {@code np.save} of {@code np.zeros((2, 3), np.float32)}: the first 128 bytes (the header). */
    private static final String NUMPY_HEADER_2X3 = "\u0093NUMPY\u0001\u0000v\u0000"
            + "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(58) + "\n";

    @Test
    void headerMatchesNumpyByteForByte() {
        byte[] file = NpyWriter.write(new float[6], new int[] {2, 3});
        assertThat(file).hasSize(128 + 24);
        assertThat(Arrays.copyOf(file, 128)).isEqualTo(NUMPY_HEADER_2X3.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void fileMatchesNumpyForArange() {
        // np.save(b, np.arange(6, dtype=np.float32).reshape(2, 3)), bytes after the header.
        byte[] file = NpyWriter.write(new float[] {0, 1, 2, 3, 4, 5}, new int[] {2, 3});
        assertThat(hex(Arrays.copyOfRange(file, 128, file.length)))
                .isEqualTo("000000000000803f0000004000004040000080400000a040");
    }

    @Test
    void headerLengthsMatchNumpyForOtherShapes() {
        // numpy writes 128-byte headers for all of these; checked with numpy 1.26 and 2.4.
        assertThat(header(new int[] {5}))
                .isEqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }" + " ".repeat(60) + "\n");
        assertThat(header(new int[] {}))
                .isEqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (), }" + " ".repeat(62) + "\n");
        assertThat(header(new int[] {1, 64, 64, 3}))
                .isEqualTo(
                        "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 64, 64, 3), }" + " ".repeat(50) + "\n");
        assertThat(NpyWriter.write(new float[0], new int[] {0, 4})).hasSize(128);
    }

    @Test
    void roundTrip() {
        float[] data = {1.5f, -2f, Float.MIN_VALUE, 1e30f, 0f, -0.25f, 3f, 4f, 5f, 6f, 7f, 8f};
        NpyArray array = NpyReader.read(NpyWriter.write(data, new int[] {2, 2, 3}));
        assertThat(array.shape()).containsExactly(2, 2, 3);
        assertThat(array.dtype()).isEqualTo("<f4");
        assertThat(array.size()).isEqualTo(12);
        assertThat(array.toFloatArray()).containsExactly(data);
    }

    @Test
    void largeArrayRoundTrip() {
        float[] data = new float[100_003];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.5f;
        }
        assertThat(NpyReader.read(NpyWriter.write(data, new int[] {data.length}))
                        .toFloatArray())
                .containsExactly(data);
    }

    @Test
    void readsArraysWrittenByNumpy() {
        NpyArray f8 = NpyReader.read(Base64.getDecoder()
                .decode("k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9"
                        + "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAADA"
                        + "AAAAAAAA0D8AAAAAAAAIQAAAAAAAABBAAAAAAAAAwL8="));
        assertThat(f8.shape()).containsExactly(2, 3);
        assertThat(f8.toDoubleArray()).containsExactly(1.5, -2.0, 0.25, 3.0, 4.0, -0.125);
        assertThat(f8.toFloatArray()).containsExactly(1.5f, -2f, 0.25f, 3f, 4f, -0.125f);

        NpyArray i4 = NpyReader.read(
                Base64.getDecoder()
                        .decode(
                                "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAg"
                                        + "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAA/v///+CTBAA="));
        assertThat(i4.toIntArray()).containsExactly(1, -2, 300000);

        NpyArray i8 = NpyReader.read(
                Base64.getDecoder()
                        .decode(
                                "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDEpLCB9"
                                        + "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoHAAAAAAAAAPj/////////"));
        assertThat(i8.shape()).containsExactly(2, 1);
        assertThat(i8.toIntArray()).containsExactly(7, -8);
        assertThat(i8.toDoubleArray()).containsExactly(7.0, -8.0);

        NpyArray u1 = NpyReader.read(Base64.getDecoder()
                .decode("k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAg"
                        + "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoA/wc="));
        assertThat(u1.toIntArray()).containsExactly(0, 255, 7);

        NpyArray scalar = NpyReader.read(Base64.getDecoder()
                .decode("k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAg"
                        + "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAACBA"));
        assertThat(scalar.shape()).isEmpty();
        assertThat(scalar.toFloatArray()).containsExactly(2.5f);
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> NpyWriter.write(new float[5], new int[] {2, 3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("6 elements");
        assertThatThrownBy(() -> NpyWriter.write(new float[0], new int[] {-1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NpyReader.read("not numpy".getBytes(StandardCharsets.US_ASCII)))
                .hasMessageContaining("magic");
        byte[] file = NpyWriter.write(new float[6], new int[] {2, 3});
        assertThatThrownBy(() -> NpyReader.read(Arrays.copyOf(file, file.length - 1)))
                .hasMessageContaining("truncated");
        byte[] bigEndian = file.clone();
        bigEndian[21] = '>';
        assertThatThrownBy(() -> NpyReader.read(bigEndian)).hasMessageContaining("little-endian");
        assertThatThrownBy(() -> NpyReader.read(file).toIntArray()).isInstanceOf(IllegalStateException.class);
    }

    private static String header(int[] shape) {
        int size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        byte[] file = NpyWriter.write(new float[size], shape);
        assertThat(file).hasSize(128 + size * 4);
        return new String(file, 10, 118, StandardCharsets.ISO_8859_1);
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            s.append(String.format("%02x", b));
        }
        return s.toString();
    }
}
