package io.camflux.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.camflux.engine.ObjectEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class ObjectEventOutletTest {

    private static ObjectEvent event(String type, long track, String zone, String line, String direction) {
        return new ObjectEvent(type, Instant.EPOCH, "r", "s", "t", "site", "cam", "default", track, "person", null, null, zone,
                line, direction, null, null);
    }

    @Test
    void eventsWaitForTheFirstSubscriberAndWhatTheBufferCannotHoldIsCountedLost() {
        var registry = new SimpleMeterRegistry();
        var outlet = new ObjectEventOutlet(registry, 16);
        for (long track = 1; track <= 20; track++) {
            outlet.emit(event(ObjectEvent.NEW, track, null, null, null));
        }
        outlet.complete();
        StepVerifier.create(outlet.events().map(ObjectEvent::trackId)).expectNextCount(16).verifyComplete();
        assertEquals(4, registry.get("events.lost").tag("reason", ObjectEventOutlet.UNTAKEN).counter().count(),
                "the last four had no room: lost, and counted");
    }

    @Test
    void zoneOccupancyAndLineCrossingsFollowTheEvents() {
        var registry = new SimpleMeterRegistry();
        var outlet = new ObjectEventOutlet(registry, 16);
        var taken = outlet.events().collectList().toFuture();
        for (ObjectEvent e : List.of(event(ObjectEvent.ZONE_ENTER, 1, "door", null, null),
                event(ObjectEvent.ZONE_ENTER, 2, "door", null, null), event(ObjectEvent.ZONE_EXIT, 1, "door", null, null),
                event(ObjectEvent.LINE_CROSS, 2, null, "middle", "left_to_right"))) {
            outlet.emit(e);
        }
        outlet.complete();
        assertEquals(4, taken.join().size());
        assertEquals(1, registry.get("zone.occupancy").tag("zone", "door").gauge().value(), "two in, one out");
        assertEquals(1, registry.get("line.crossings").tag("line", "middle").tag("direction", "left_to_right")
                .counter().count());
        assertEquals(0, registry.get("events.lost").tag("reason", ObjectEventOutlet.UNTAKEN).counter().count());
    }
}
