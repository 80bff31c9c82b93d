package io.camflux.engine.metrics;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.source.Camera;
import io.micrometer.core.instrument.Counter;
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
import java.time.Clock;
import reactor.core.Disposable;

/**
 * The per-camera and pipeline gauges named in ARCHITECTURE.md ({@code stream_up}, {@code last_frame_age_seconds},
 * {@code stream_fps}, {@code pipeline_fps}, {@code stream_errors_total}) and the JVM and process metrics.
 * The engine itself records frames, drops, batches and latencies.
 */
public final class EngineMetrics implements AutoCloseable {
    private final Disposable errors;
    private final Disposable cameras;
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
    public EngineMetrics(CamFlux engine, MeterRegistry registry, Clock clock) {
        Gauge.builder("system.cpus", Runtime.getRuntime(), Runtime::availableProcessors)
                .description("processors available to the JVM").register(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the process").register(registry);
        }
        // every camera now and each one added later; a removed camera's series leave with it (LiveCameras)
        cameras = engine.cameraSet().subscribe(camera -> register(camera, registry, clock));
        Gauge.builder("pipeline.fps", engine, e -> e.cameras().stream().mapToDouble(Camera::inferredFps).sum())
                .description("frames per second reaching the detector, all cameras")
                .tag("runner_id", engine.config().runnerId()).tag("shard_id", engine.config().shardId())
                .register(registry);
        errors = engine.statuses().filter(CameraStatus::isError).subscribe(s ->
                Counter.builder("stream.errors").description("stream failures by camera and code")
                        .tag("camera_uuid", s.cameraUuid()).tag("code", s.errorCode()).register(registry).increment());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    private static void register(Camera camera, MeterRegistry registry, Clock clock) {
        String id = camera.config().cameraUuid();
        Gauge.builder("stream.up", camera, c -> c.state() == CameraState.STREAMING ? 1 : 0)
                .description("1 while the camera is streaming").tag("camera_uuid", id).register(registry);
        Gauge.builder("last.frame.age", camera, c -> c.lastFrameEpochMs() == 0 ? Double.NaN
                        : (clock.millis() - c.lastFrameEpochMs()) / 1000.0)
                .baseUnit("seconds").description("time since the camera's last decoded frame")
                .tag("camera_uuid", id).register(registry);
        Gauge.builder("stream.fps", camera, Camera::decodedFps)
                .description("measured decoded frames per second").tag("camera_uuid", id).register(registry);
    }

    @Override
    public void close() {
        cameras.dispose();
        errors.dispose();
        gc.close();
    }
}
