package io.camflux.engine.status;

import io.camflux.engine.StatusEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.event.EventJson;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class StatusReporterTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    private static CameraStatus status(String cam, CameraState state) {
        return new CameraStatus(cam, "t", "s", state, T0, state == CameraState.STREAMING ? 9.8 : 0, null, null, -1);
    }

    private static CameraStatus error(String cam, long retryInMs) {
        return new CameraStatus(cam, "t", "s", CameraState.RECONNECTING, T0, 0, "CONNECT_REFUSED", "refused", retryInMs);
    }

    @Test
    void transitionsAreEdgeTriggeredPerCameraAndFailuresAlwaysPass() {
        Sinks.Many<CameraStatus> changes = Sinks.many().unicast().onBackpressureBuffer();
        StepVerifier.create(StatusReporter.transitions(changes.asFlux()).map(e -> ((StatusEvent.Change) e).status()))
                .then(() -> {
                    changes.tryEmitNext(status("a", CameraState.CONNECTING));
                    changes.tryEmitNext(status("b", CameraState.CONNECTING));
                    changes.tryEmitNext(status("a", CameraState.CONNECTING));
                    changes.tryEmitNext(status("a", CameraState.STREAMING));
                    changes.tryEmitNext(status("a", CameraState.STREAMING));
                    changes.tryEmitNext(error("b", 500));
                    changes.tryEmitNext(error("b", 1000));
                    changes.tryEmitNext(status("b", CameraState.RECONNECTING));
                    changes.tryEmitComplete();
                })
                .expectNext(status("a", CameraState.CONNECTING), status("b", CameraState.CONNECTING),
                        status("a", CameraState.STREAMING), error("b", 500), error("b", 1000))
                .verifyComplete();
    }

    @Test
    void summariesComeEveryIntervalInVirtualTime() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        AtomicInteger snapshots = new AtomicInteger();
        List<StatusEvent.Summary> two = List.of(
                new StatusEvent.Summary("a", "t", "s", CameraState.STREAMING, T0, 9.9, T0.minusMillis(120), 0.12, null),
                new StatusEvent.Summary("b", "t", "s", CameraState.RECONNECTING, T0, 0, null, -1, null));
        StepVerifier.withVirtualTime(() -> StatusReporter.summaries(() -> {
                    snapshots.incrementAndGet();
                    return two;
                }, Duration.ofSeconds(5), vts), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(4999))
                .thenAwait(Duration.ofMillis(1))
                .expectNextSequence(two)
                .thenAwait(Duration.ofSeconds(5))
                .expectNextSequence(two)
                .thenCancel()
                .verify();
        assertEquals(2, snapshots.get());
    }

    @Test
    void summaryWireFormat() throws Exception {
        StatusEvent.Summary s = new StatusEvent.Summary("cam-1", "ten", "site", CameraState.STREAMING, T0, 9.5,
                T0.minusMillis(250), 0.25, new StatusEvent.MotionSummary(10, 4, 6, 0.6));
        JsonNode json = new ObjectMapper().readTree(EventJson.status(s, "r", "sh"));
        assertEquals("stream.status", json.get("type").asText());
        assertEquals("STREAMING", json.get("state").asText());
        assertEquals("2026-11-24T09:59:59.750Z", json.get("last_frame_ts").asText());
        assertEquals(0.25, json.get("last_frame_age_s").asDouble());
        assertEquals(9.5, json.get("fps").asDouble());
        assertEquals(0.6, json.get("motion").get("skip_rate").asDouble());
        assertEquals("r", json.get("runner_id").asText());
        JsonNode err = new ObjectMapper().readTree(EventJson.status(new StatusEvent.Change(error("cam-2", 800)), "r", "sh"));
        assertEquals("stream.error", err.get("type").asText());
        assertEquals("CONNECT_REFUSED", err.get("code").asText());
        assertEquals(800, err.get("retry_in_ms").asLong());
        assertTrue(err.has("detail") && err.has("ts"));
    }
}
