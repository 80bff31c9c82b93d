package io.camflux.engine.source;

import io.camflux.engine.DropReason;
import io.camflux.engine.FrameCounts;
import io.camflux.engine.metrics.CameraMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * One camera's frame accounting: frames decoded, and frames released by reason, also counted in the camera's
 * meters. Decoded minus released is what is in flight; after the camera stops it must be zero, or native memory
 * leaked. Only the camera's frames write to it.
 */
public final class FrameLedger implements FrameCounts {
    private final LongAdder decoded = new LongAdder();
    private final Map<DropReason, LongAdder> released = new EnumMap<>(DropReason.class);
    private final CameraMeters meters;

    public FrameLedger(CameraMeters meters) {
        this.meters = meters;
        for (DropReason reason : DropReason.values()) {
            released.put(reason, new LongAdder());
        }
    }

    /** A ledger with meters of its own, for frames made outside a camera (tests, benches). */
    public FrameLedger(String cameraUuid, MeterRegistry registry) {
        this(new CameraMeters(cameraUuid, registry));
    }

    public CameraMeters meters() {
        return meters;
    }

    void decoded() {
        decoded.increment();
        meters.decoded();
    }

    /** A frame decoded and dropped at the source without an image (the sampler or the motion gate). */
    void droppedAtSource(DropReason reason) {
        decoded();
        released(reason);
    }

    void released(DropReason reason) {
        released.get(reason).increment();
        meters.dropped(reason);
    }

    @Override
    public long decodedCount() {
        return decoded.sum();
    }

    @Override
    public long releasedCount(DropReason reason) {
        return released.get(reason).sum();
    }

    @Override
    public long inFlight() {
        long sum = 0;
        for (LongAdder a : released.values()) {
            sum += a.sum();
        }
        return decoded.sum() - sum;
    }

    @Override
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        released.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
