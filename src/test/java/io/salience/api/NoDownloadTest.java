package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TensorFlow engine starts and predicts without downloading anything: DJL's cache folders point at an empty
 * folder before the application starts, and stay free of engine files. Runs the application in a fresh JVM
 * ({@link NoDownloadProbe}), since DJL initialises its engine once per JVM and other tests may have done so already.
 */
class NoDownloadTest {

    @TempDir
    Path cache;

    @TempDir
    Path work;

    @Test
    void startsAndPredictsOfflineWithoutDownloadingTheEngine() throws Exception {
        Path models = TestModels.demoOnly();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path argFile = work.resolve("classpath.args");
        Files.writeString(argFile, "-cp \"" + classpath.replace("\\", "\\\\") + "\"\n", StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of(
                java.toString(),
                "@" + argFile,
                "-Xmx1g",
                NoDownloadProbe.class.getName(),
                cache.toString(),
                models.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(work.resolve("probe.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("DJL_CACHE_DIR", cache.toString());
        env.put("ENGINE_CACHE_DIR", cache.toString());
        env.remove("TENSORFLOW_LIBRARY_PATH");
        Process p = pb.start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        String log = Files.readString(work.resolve("probe.log"), StandardCharsets.UTF_8);
        assertThat(done).as("probe finished in time:\n" + tail(log)).isTrue();
        assertThat(p.exitValue()).as("probe exit code:\n" + tail(log)).isZero();

        Map<String, String> probe = new HashMap<>();
        for (String line : log.split("\n")) {
            if (line.startsWith("PROBE ") && line.contains("=")) {
                String kv = line.substring(6);
                probe.put(
                        kv.substring(0, kv.indexOf('=')),
                        kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        assertThat(log).contains("PROBE model idc-demo READY");
        assertThat(Double.parseDouble(probe.get("sum"))).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
        assertThat(probe.get("DJL_CACHE_DIR")).isEqualTo(cache.toString());
        assertThat(probe.get("ai.djl.offline")).isEqualTo("true");
        Path natives = Path.of(probe.get("TENSORFLOW_LIBRARY_PATH"));
        assertThat(natives).isDirectory();
        assertThat(natives.resolve("libjnitensorflow.so")).isRegularFile();
        assertThat(natives.startsWith(cache))
                .as("natives are not in DJL's cache")
                .isFalse();

        List<Path> downloaded;
        try (Stream<Path> s = Files.walk(cache)) {
            downloaded = s.filter(f -> !f.equals(cache)).toList();
        }
        assertThat(downloaded)
                .as("DJL cache folder after start-up and a prediction")
                .noneMatch(f -> f.getFileName().toString().equals("tensorflow"))
                .noneMatch(f -> f.getFileName().toString().contains(".so"))
                .noneMatch(f -> f.toString().toLowerCase().contains("tensorflow"));
        System.out.println("DJL cache after the probe: " + downloaded);
    }

    private static String tail(String log) {
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }
}
