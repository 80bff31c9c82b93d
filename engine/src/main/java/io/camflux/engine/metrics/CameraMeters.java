package io.camflux.engine.metrics;

import io.camflux.engine.CameraState;
import io.camflux.engine.CameraView;
import io.camflux.engine.DropReason;
import io.camflux.engine.source.RateMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every series of one camera ({@code camera_uuid} tag), registered here and removed here when the camera leaves
 * the set: frames decoded and dropped, the motion gate's verdicts, detection events published, stream errors, and
 * the gauges of its state and rates. The stages record through it and never look a meter up per frame.
 */
public final class CameraMeters implements AutoCloseable {
    private final String cameraUuid;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter decoded;
    private final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);
    private final Map<String, Counter> streamErrors = new ConcurrentHashMap<>();
    private final RateMeter inferredRate = new RateMeter(TimeUnit.SECONDS.toNanos(5));
    private volatile Counter published;
    private volatile Counter undecodable;
    private volatile Counter motionPassed;
    private volatile Counter motionSkipped;
    private boolean closed;

    public CameraMeters(String cameraUuid, MeterRegistry registry) {
        this.cameraUuid = cameraUuid;
        this.registry = registry;
        decoded = counter("frames.decoded", "frames decoded from the camera");
        for (DropReason reason : DropReason.values()) {
            if (reason != DropReason.INFERRED) {
                dropped.put(reason, own(Counter.builder("frames.dropped")
                        .description("frames that did not reach the detector, by reason")
                        .tag("camera_uuid", cameraUuid).tag("reason", reason.label()).register(registry)));
            }
        }
    }

    /** The gauges of a camera's state and rates (stream_up, last_frame_age_seconds, stream_fps). */
    public void bind(CameraView camera, Clock clock) {
        own(Gauge.builder("stream.up", camera, c -> c.state() == CameraState.STREAMING ? 1 : 0)
                .description("1 while the camera is streaming").tag("camera_uuid", cameraUuid).register(registry));
        own(Gauge.builder("last.frame.age", camera, c -> c.lastFrameEpochMs() == 0 ? Double.NaN
                        : (clock.millis() - c.lastFrameEpochMs()) / 1000.0)
                .baseUnit("seconds").description("time since the camera's last decoded frame")
                .tag("camera_uuid", cameraUuid).register(registry));
        own(Gauge.builder("stream.fps", camera, CameraView::decodedFps)
                .description("measured decoded frames per second").tag("camera_uuid", cameraUuid).register(registry));
    }

    public void decoded() {
        decoded.increment();
    }

    /** A frame that did not reach the detector; INFERRED frames count as {@link #inferred(long)} instead. */
    public void dropped(DropReason reason) {
        Counter counter = dropped.get(reason);
        if (counter != null) {
            counter.increment();
        }
    }

    /** A frame decoded at {@code grabNanos} reached the detector. */
    public void inferred(long grabNanos) {
        inferredRate.record(grabNanos);
    }

    public double inferredFps() {
        return inferredRate.rate(System.nanoTime());
    }

    /** The motion gate's verdict on a sampled frame (series made on the first, so a camera without a gate has none). */
    public void motion(boolean passed) {
        if (motionPassed == null) {
            registerMotion();
        }
        (passed ? motionPassed : motionSkipped).increment();
    }

    private synchronized void registerMotion() {
        if (motionPassed == null) {
            // skipped first: motion() tests motionPassed, so seeing it set means both are
            motionSkipped = motionCounter("skipped");
            motionPassed = motionCounter("passed");
        }
    }

    private Counter motionCounter(String result) {
        return own(Counter.builder("motion.frames").description("frames judged by the motion gate")
                .tag("camera_uuid", cameraUuid).tag("result", result).register(registry));
    }

    public long motionPassed() {
        Counter c = motionPassed;
        return c == null ? 0 : (long) c.count();
    }

    public long motionSkipped() {
        Counter c = motionSkipped;
        return c == null ? 0 : (long) c.count();
    }

    /** {@code packets} of the camera's stream that never became pictures (frames_undecodable_total, made on the first). */
    public void undecodable(long packets) {
        if (undecodable == null) {
            registerUndecodable();
        }
        undecodable.increment(packets);
    }

    private synchronized void registerUndecodable() {
        if (undecodable == null) {
            undecodable = counter("frames.undecodable", "packets of the camera's stream that never became pictures:"
                    + " refused as corrupt, or lost in a shared key-frame decoder");
        }
    }

    public long undecodableCount() {
        Counter c = undecodable;
        return c == null ? 0 : (long) c.count();
    }

    /** A detection event of this camera reached the sink. */
    public void published() {
        if (published == null) {
            registerPublished();
        }
        published.increment();
    }

    private synchronized void registerPublished() {
        if (published == null) {
            published = counter("detections.published", "detection events delivered to the sink");
        }
    }

    /** A failure of the stream, by its code (stream_errors_total). */
    public void streamError(String code) {
        streamErrors.computeIfAbsent(code, c -> own(Counter.builder("stream.errors")
                .description("stream failures by camera and code").tag("camera_uuid", cameraUuid).tag("code", c)
                .register(registry))).increment();
    }

    private Counter counter(String name, String description) {
        return own(Counter.builder(name).description(description).tag("camera_uuid", cameraUuid).register(registry));
    }

    private synchronized <M extends Meter> M own(M meter) {
        if (closed) {
            registry.remove(meter); // a late first event after removal must not bring a series back
        } else {
            meters.add(meter);
        }
        return meter;
    }

    /** Removes every series of the camera from the registry. */
    @Override
    public synchronized void close() {
        closed = true;
        meters.forEach(registry::remove);
        meters.clear();
    }
}
