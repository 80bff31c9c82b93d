package io.camflux.engine.pipeline;

import io.camflux.engine.ObjectEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Where the object events leave the pipeline: a hot flux whose events wait in a bounded buffer until its first
 * subscriber takes them, the metrics they change ({@code zone_occupancy}, {@code line_crossings_total}), and an event
 * the buffer has no room for counted as lost ({@code events_lost_total{reason="objects_untaken"}}).
 */
final class ObjectEventOutlet {
    private static final Logger log = LoggerFactory.getLogger(ObjectEventOutlet.class);
    /** {@code events_lost_total} reason: no subscriber took the object events fast enough. */
    static final String UNTAKEN = "objects_untaken";

    private final Sinks.Many<ObjectEvent> sink;
    private final MeterRegistry registry;
    private final Counter lost;
    private final Map<List<String>, AtomicInteger> occupancy = new ConcurrentHashMap<>();

    ObjectEventOutlet(MeterRegistry registry, int buffer) {
        this.registry = registry;
        this.sink = Sinks.many().multicast().onBackpressureBuffer(buffer, false);
        this.lost = io.camflux.engine.publish.LostEvents.counter(registry, UNTAKEN);
    }

    Flux<ObjectEvent> events() {
        return sink.asFlux();
    }

    /** One at a time: the pipeline's thread and a camera's removal may both emit. */
    synchronized void emit(ObjectEvent e) {
        count(e);
        if (sink.tryEmitNext(e).isFailure()) {
            lost.increment();
            log.warn("camera {}: an object event was dropped (no one takes them fast enough): {}", e.cameraUuid(),
                    e.type());
        }
    }

    synchronized void complete() {
        sink.tryEmitComplete();
    }

    /** zone_occupancy and line_crossings_total from the events that change them. */
    private void count(ObjectEvent e) {
        switch (e.type()) {
            case ObjectEvent.ZONE_ENTER, ObjectEvent.ZONE_EXIT -> {
                AtomicInteger n = occupancy.computeIfAbsent(List.of(e.cameraUuid(), e.zone(), e.className()), key -> {
                    AtomicInteger v = new AtomicInteger();
                    Gauge.builder("zone.occupancy", v, AtomicInteger::get)
                            .description("tracked objects in a zone now").tag("camera_uuid", key.get(0))
                            .tag("zone", key.get(1)).tag("class", key.get(2)).register(registry);
                    return v;
                });
                n.addAndGet(e.type().equals(ObjectEvent.ZONE_ENTER) ? 1 : -1);
            }
            case ObjectEvent.LINE_CROSS -> Counter.builder("line.crossings")
                    .description("tracked objects that crossed a line").tag("camera_uuid", e.cameraUuid())
                    .tag("line", e.line()).tag("direction", e.direction()).register(registry).increment();
            default -> {
            }
        }
    }
}
