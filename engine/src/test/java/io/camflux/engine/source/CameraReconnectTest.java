package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.config.ReconnectConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.testing.TestConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Reconnect timing in virtual time: the camera's timer is a {@link VirtualTimeScheduler} and its reader runs on the
 * caller's thread, so each attempt happens exactly when the backoff says, and not a millisecond before.
 */
class CameraReconnectTest {
    private final SourceConfig source = TestConfigs.rtsp("cam", "rtsp://127.0.0.1:1/unreachable");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicInteger attempts = new AtomicInteger();
    private final List<CameraStatus> statuses = new CopyOnWriteArrayList<>();

    private Camera camera(VirtualTimeScheduler timer, int maxAttempts) {
        StreamReader.Opener refused = s -> {
            attempts.incrementAndGet();
            throw new IOException("Connection refused");
        };
        Backoff backoff = new Backoff(new ReconnectConfig(Duration.ofSeconds(1), Duration.ofSeconds(4), 0,
                maxAttempts), () -> 0.5);
        Camera camera = new Camera(source, refused, backoff, Schedulers.immediate(), timer, Clock.systemUTC(),
                new FrameLedger("cam", registry));
        camera.statuses().subscribe(statuses::add);
        return camera;
    }

    @Test
    void eachAttemptWaitsItsBackoffThenTheCameraGivesUpWithOneStatusPerStep() {
        VirtualTimeScheduler timer = VirtualTimeScheduler.create();
        Camera camera = camera(timer, 4);
        StepVerifier.create(camera.frames(pts -> true))
                .then(() -> assertEquals(1, attempts.get()))
                .then(() -> timer.advanceTimeBy(Duration.ofMillis(999)))
                .then(() -> assertEquals(1, attempts.get(), "not before the first delay"))
                .then(() -> timer.advanceTimeBy(Duration.ofMillis(1)))
                .then(() -> assertEquals(2, attempts.get()))
                .then(() -> timer.advanceTimeBy(Duration.ofMillis(1999)))
                .then(() -> assertEquals(2, attempts.get(), "the delay doubled"))
                .then(() -> timer.advanceTimeBy(Duration.ofMillis(1)))
                .then(() -> assertEquals(3, attempts.get()))
                .then(() -> timer.advanceTimeBy(Duration.ofMillis(4000)))
                .then(() -> assertEquals(4, attempts.get()))
                .expectComplete() // four failures: max_attempts reached, the camera gives up without failing
                .verify(Duration.ofSeconds(5));
        List<Long> retries = statuses.stream().filter(s -> s.state() == CameraState.RECONNECTING && s.isError())
                .map(CameraStatus::retryInMs).toList();
        assertEquals(List.of(1000L, 2000L, 4000L), retries, "each failure announced with its real delay; the max caps it");
        CameraStatus last = statuses.get(statuses.size() - 1);
        assertEquals(CameraState.DISCONNECTED, last.state());
        assertEquals(StreamError.CONNECT_REFUSED, statuses.stream().filter(CameraStatus::isError)
                .reduce((a, b) -> b).orElseThrow().errorCode());
        assertEquals(4.0, registry.get("stream.errors").tag("camera_uuid", "cam")
                .tag("code", StreamError.CONNECT_REFUSED).counter().count(), "every failure counted");
    }

    @Test
    void aStopWhileWaitingToReconnectEndsTheRunAtOnce() {
        VirtualTimeScheduler timer = VirtualTimeScheduler.create();
        Camera camera = camera(timer, 0);
        Sinks.Empty<Void> stop = Sinks.empty();
        StepVerifier.create(camera.frames(pts -> true, () -> PictureFilter.KEEP_ALL, stop.asMono()))
                .then(() -> timer.advanceTimeBy(Duration.ofMillis(1500)))
                .then(() -> assertEquals(2, attempts.get()))
                .then(stop::tryEmitEmpty)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        timer.advanceTimeBy(Duration.ofMinutes(1));
        assertEquals(2, attempts.get(), "no attempt after the stop");
        assertEquals(CameraState.DISCONNECTED, statuses.get(statuses.size() - 1).state());
    }
}
