package io.camflux.engine.detect;

import io.camflux.engine.FrameDetector;
import io.camflux.engine.config.ConfigException;
import io.camflux.engine.config.ModelConfig;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.metrics.ProcessMemory;
import io.camflux.model.ExecutionProvider;
import io.camflux.model.ModelResolver;
import io.camflux.model.OnnxDetector;
import io.camflux.model.SettingException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's detectors by model name: the ones an embedding application gave, the others opened from the shard's
 * {@code model} and {@code models}, one after the other so that each one's memory can be told apart. Owns them all
 * and closes them together.
 */
public final class Detectors implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Detectors.class);

    /** What one model took when it opened (first runs included); -1 where it could not be read. */
    public record Footprint(long hostBytes, long gpuBytes) {
        static final Footprint UNKNOWN = new Footprint(-1, -1);
    }

    private final Map<String, FrameDetector> detectors;
    private final Map<String, Footprint> footprints;

    private Detectors(Map<String, FrameDetector> detectors, Map<String, Footprint> footprints) {
        this.detectors = Collections.unmodifiableMap(detectors);
        this.footprints = Collections.unmodifiableMap(footprints);
    }

    /**
     * Every model of the shard (the given ones as they are), plus the given ones the config does not name. A model
     * that cannot be opened closes those opened before it and fails naming it: {@code models.NAME} (or
     * {@code model}).
     */
    public static Detectors open(ShardConfig config, Map<String, FrameDetector> given) throws IOException {
        Map<String, FrameDetector> opened = new LinkedHashMap<>();
        Map<String, Footprint> footprints = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, ModelConfig> model : config.modelsByName().entrySet()) {
                String name = model.getKey();
                FrameDetector d = given.get(name);
                if (d != null) {
                    opened.put(name, d);
                    footprints.put(name, Footprint.UNKNOWN);
                    continue;
                }
                ModelConfig m = model.getValue();
                boolean gpu = m.provider() != ExecutionProvider.CPU;
                long hostBefore = ProcessMemory.residentBytes();
                long gpuBefore = gpu ? ProcessMemory.gpuBytes() : -1;
                opened.put(name, open(name, m, config));
                long hostAfter = ProcessMemory.residentBytes();
                long gpuAfter = gpu ? ProcessMemory.gpuBytes() : -1;
                Footprint f = new Footprint(delta(hostBefore, hostAfter), delta(gpuBefore, gpuAfter));
                footprints.put(name, f);
                log.info("model {} ({}): host memory {}, GPU memory {}", name, m.path(), mib(f.hostBytes()),
                        mib(f.gpuBytes()));
            }
            for (Map.Entry<String, FrameDetector> d : given.entrySet()) {
                if (!opened.containsKey(d.getKey())) {
                    opened.put(d.getKey(), d.getValue());
                    footprints.put(d.getKey(), Footprint.UNKNOWN);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the engine owns the given ones too: none is left open when it cannot be built
            opened.values().stream().filter(d -> !given.containsValue(d)).forEach(Detectors::closeQuietly);
            given.values().forEach(Detectors::closeQuietly);
            throw e;
        }
        return new Detectors(opened, footprints);
    }

    /**
     * A model file that is not a detector this engine runs, or a setting it refuses (an unknown class), is the
     * config's mistake: a {@link ConfigException} naming the key. A file that cannot be read or downloaded is an
     * IOException, also naming it.
     */
    private static FrameDetector open(String name, ModelConfig m, ShardConfig config) throws IOException {
        String key = name.equals(ShardConfig.DEFAULT_MODEL) ? "model" : "models." + name;
        Path file;
        try {
            file = ModelResolver.fromEnvironment().resolve(m.path());
        } catch (IOException e) {
            throw new IOException(key + ": cannot load model " + m.path() + ": " + e.getMessage(), e);
        }
        try {
            return FrameDetector.of(OnnxDetector.open(file, m.detectorSettings(config.batch())));
        } catch (SettingException e) {
            throw new ConfigException(key, List.of(e.getMessage().startsWith("model.")
                    ? key + e.getMessage().substring("model".length()) : key + ": " + e.getMessage()));
        } catch (ai.onnxruntime.OrtException | RuntimeException e) {
            throw new ConfigException(key, List.of(key + ".path: cannot load model " + m.path() + " ("
                    + e.getMessage() + ")"));
        }
    }

    /** The detectors by model name, the default first. */
    public Map<String, FrameDetector> byName() {
        return detectors;
    }

    public Map<String, Footprint> footprints() {
        return footprints;
    }

    /** The largest input any model scales images to ({width, height}), or null when one takes images as they come. */
    public int[] largestInput() {
        int width = 0, height = 0;
        for (FrameDetector d : detectors.values()) {
            int[] size = d.inputSize();
            if (size == null) {
                return null;
            }
            width = Math.max(width, size[0]);
            height = Math.max(height, size[1]);
        }
        return new int[] {width, height};
    }

    /** The session runs all models may have going at once. */
    public int concurrency() {
        return detectors.values().stream().mapToInt(FrameDetector::concurrency).sum();
    }

    /** {@code model_memory_bytes{model, memory=host|gpu}} for each model whose share was measured. */
    public void bindMetrics(MeterRegistry registry) {
        footprints.forEach((name, f) -> {
            if (f.hostBytes() >= 0) {
                Gauge.builder("model.memory", f, Footprint::hostBytes).baseUnit("bytes").tag("model", name)
                        .tag("memory", "host").description("what the model took when it opened").register(registry);
            }
            if (f.gpuBytes() >= 0) {
                Gauge.builder("model.memory", f, Footprint::gpuBytes).baseUnit("bytes").tag("model", name)
                        .tag("memory", "gpu").description("what the model took when it opened").register(registry);
            }
        });
    }

    @Override
    public void close() {
        detectors.values().forEach(Detectors::closeQuietly);
    }

    private static long delta(long before, long after) {
        return before < 0 || after < 0 ? -1 : Math.max(0, after - before);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "not measured" : String.format(java.util.Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }

    private static void closeQuietly(FrameDetector detector) {
        try {
            detector.close();
        } catch (Exception e) {
            log.warn("closing a detector failed", e);
        }
    }
}
