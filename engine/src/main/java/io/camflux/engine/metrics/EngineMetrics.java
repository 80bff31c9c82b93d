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
 * The process-wide series: {@code pipeline_fps}, the JVM and process metrics. Each camera's own series are its
 * {@link CameraMeters}; the pipeline records batches and latencies (docs/architecture.md lists them all).
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

    /** Registers the gauges on a registry made by {@link #prepared}. */
    public EngineMetrics(CamFlux engine, MeterRegistry registry) {
        Gauge.builder("system.cpus", Runtime.getRuntime(), Runtime::availableProcessors)
                .description("processors available to the JVM").register(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the process").register(registry);
        }
        Gauge.builder("pipeline.fps", engine, e -> e.cameras().stream().mapToDouble(CameraView::inferredFps).sum())
                .description("frames per second reaching the detector, all cameras")
                .tag("runner_id", engine.config().runnerId()).tag("shard_id", engine.config().shardId())
                .register(registry);
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
