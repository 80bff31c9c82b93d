package io.camflux.engine.source;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * One camera's frame accounting: frames decoded, and frames released by reason. Decoded minus released is
 * what is in flight; after the camera stops it must be zero, or native memory leaked.
 */
public final class FrameLedger {
    private final LongAdder decoded = new LongAdder();
    private final Map<DropReason, LongAdder> released = new EnumMap<>(DropReason.class);
    private final Counter decodedCounter;
    private final Map<DropReason, Counter> droppedCounters = new EnumMap<>(DropReason.class);

    public FrameLedger(String cameraUuid, MeterRegistry registry) {
        decodedCounter = Counter.builder("frames.decoded").description("frames decoded from the camera")
                .tag("camera_uuid", cameraUuid).register(registry);
        for (DropReason reason : DropReason.values()) {
            released.put(reason, new LongAdder());
            if (reason != DropReason.INFERRED) {
                droppedCounters.put(reason, Counter.builder("frames.dropped")
                        .description("frames that did not reach the detector, by reason")
                        .tag("camera_uuid", cameraUuid).tag("reason", reason.label()).register(registry));
            }
        }
    }

    void decoded() {
        decoded.increment();
        decodedCounter.increment();
    }

    /** A frame decoded and dropped at the source without an image (the sampler did not want it). */
    void skippedAtSource() {
        decoded();
        released(DropReason.SAMPLED_OUT);
    }

    void released(DropReason reason) {
        released.get(reason).increment();
        Counter counter = droppedCounters.get(reason);
        if (counter != null) {
            counter.increment();
        }
    }

    public long decodedCount() {
        return decoded.sum();
    }

    public long releasedCount(DropReason reason) {
        return released.get(reason).sum();
    }

    public long inFlight() {
        long sum = 0;
        for (LongAdder a : released.values()) {
            sum += a.sum();
        }
        return decoded.sum() - sum;
    }

    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        released.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
