package io.camflux.engine.metrics;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraView;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.config.MeterFilter;
import java.lang.management.ManagementFactory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The process's series, which the CLI binds: the JVM and process metrics (an embedding application binds its own).
 * The engine's are bound by the engine itself, whoever runs it: {@code pipeline_fps} ({@link #bindPipeline}), each
 * camera's {@link CameraMeters}, the pipeline's batches and latencies (docs/architecture.md lists them all).
 */
public final class EngineMetrics implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /**
     * Prepares a registry before any meter is registered on it: two of Micrometer's processor meters fail
     * promtool's lint (a "_ns" unit, a gauge named "_count"); {@code process_cpu_seconds_total} and
     * {@code system_cpus} replace them.
     */
    public static <R extends MeterRegistry> R prepared(R registry) {
        registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
        registry.config().meterFilter(MeterFilter.denyNameStartsWith("system.cpu.count"));
        return registry;
    }

    /** {@code pipeline_fps}: frames per second reaching the detector, all cameras. */
    public static void bindPipeline(CamFlux engine, MeterRegistry registry) {
        Gauge.builder("pipeline.fps", engine, e -> e.cameras().stream().mapToDouble(CameraView::inferredFps).sum())
                .description("frames per second reaching the detector, all cameras")
                .tag("runner_id", engine.config().runnerId()).tag("shard_id", engine.config().shardId())
                .register(registry);
    }

    /** Registers the process's gauges on a registry made by {@link #prepared}. */
    public EngineMetrics(MeterRegistry registry) {
        Gauge.builder("system.cpus", Runtime.getRuntime(), Runtime::availableProcessors)
                .description("processors available to the JVM").register(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the process").register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    @Override
    public void close() {
        gc.close();
    }
}
