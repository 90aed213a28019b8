package io.salience.engine;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * TensorFlow runtime settings ({@code salience.engine.*}).
 *
 * @param nativeCache folder the TensorFlow natives are extracted to once; default {@code ~/.cache/salience/natives}
 * @param intraOpThreads threads one op may use; 0 = TensorFlow's default (the number of cores); 0..256
 * @param interOpThreads ops run in parallel within one session run; 0 = TensorFlow's default; 0..256
 * @param device {@code cpu} or {@code gpu:N}; which device the session runs on (GPU needs the {@code gpu} profile)
 * @param gpuMemoryGrowth allocate GPU memory as needed instead of all at once; default true
 * @param gpuMemoryFraction cap on the GPU memory the process may take, 0 = no cap; 0..1
 * @param simplifyGradients rewrite the gradient graphs into cheaper, mathematically identical ones (closed-form
 *     inference batch norm, rectifier gradients from outputs, polyphase first-layer convolutions); default true
 */
@Validated
@ConfigurationProperties("salience.engine")
public record EngineProperties(
        Path nativeCache,
        @DefaultValue("0") @Min(0) @Max(256) int intraOpThreads,
        @DefaultValue("0") @Min(0) @Max(256) int interOpThreads,
        @DefaultValue("cpu") @Pattern(regexp = "cpu|gpu(:\\d+)?") String device,
        @DefaultValue("true") boolean gpuMemoryGrowth,
        @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double gpuMemoryFraction,
        @DefaultValue("true") boolean simplifyGradients) {

    public EngineProperties {
        if (nativeCache == null) {
            nativeCache = Path.of(System.getProperty("user.home"), ".cache", "salience", "natives");
        }
    }

    /** Defaults, for tests and tools. */
    public static EngineProperties defaults() {
        return new EngineProperties(null, 0, 0, "cpu", true, 0, true);
    }

    /** The GPU index, or -1 for the CPU. */
    public int gpuIndex() {
        if (device.equals("cpu")) {
            return -1;
        }
        return device.contains(":") ? Integer.parseInt(device.substring(4)) : 0;
    }
}
