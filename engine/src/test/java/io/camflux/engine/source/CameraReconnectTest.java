package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.config.ReconnectConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.TestConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
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

    /**
     * A stream joined after its key frame: connected, packets arriving, nothing decoded. At timeout_ms a status says
     * so (it stayed CONNECTING with nothing said); the connection stays, and the first picture streams as usual.
     */
    @Test
    void noPictureWithinTheTimeoutIsSaidAndTheConnectionWaitsForTheKeyFrame() throws Exception {
        VirtualTimeScheduler timer = VirtualTimeScheduler.create();
        LateJoinedStream stream = new LateJoinedStream();
        Scheduler grab = Schedulers.fromExecutorService(Executors.newSingleThreadExecutor());
        try {
            Camera camera = lateJoinedCamera(stream, s -> stream, grab, timer);
            Disposable run = camera.frames(pts -> false).subscribe();
            Await.until(stream.reading::get, 5, "connected");
            timer.advanceTimeBy(Duration.ofMillis(2999));
            assertEquals(List.of(), statuses.stream().filter(CameraStatus::isError).toList(), "not before timeout_ms");
            timer.advanceTimeBy(Duration.ofMillis(1));
            CameraStatus said = statuses.stream().filter(CameraStatus::isError).findFirst().orElseThrow();
            assertEquals(CameraState.CONNECTING, said.state());
            assertEquals(StreamError.CONNECT_TIMEOUT, said.errorCode());
            assertTrue(said.detail().contains("no picture decoded within timeout_ms (3000 ms) of connecting"),
                    said.detail());
            stream.keyFrame.countDown();
            Await.until(() -> camera.state() == CameraState.STREAMING, 5,
                    "the key frame came: streaming on the same connection");
            assertEquals(1, statuses.stream().filter(CameraStatus::isError).count(), "said once");
            assertEquals(1, stream.opens.get(), "no reconnect");
            run.dispose();
        } finally {
            grab.dispose();
        }
    }

    /** timeout_ms counts from the connect's start: an open that took longer is followed by the status at once. */
    @Test
    void anOpenLongerThanTheTimeoutIsFollowedByTheStatusAtOnce() throws Exception {
        VirtualTimeScheduler timer = VirtualTimeScheduler.create();
        LateJoinedStream stream = new LateJoinedStream();
        Scheduler grab = Schedulers.fromExecutorService(Executors.newSingleThreadExecutor());
        try {
            Camera camera = lateJoinedCamera(stream, s -> {
                timer.advanceTimeBy(Duration.ofMillis(3500)); // FFmpeg probing a stream that has no picture yet
                return stream;
            }, grab, timer);
            Disposable run = camera.frames(pts -> false).subscribe();
            Await.until(stream.reading::get, 5, "connected");
            timer.advanceTime();
            CameraStatus said = statuses.stream().filter(CameraStatus::isError).findFirst().orElseThrow();
            assertEquals(StreamError.CONNECT_TIMEOUT, said.errorCode());
            stream.keyFrame.countDown();
            run.dispose();
        } finally {
            grab.dispose();
        }
    }

    private Camera lateJoinedCamera(LateJoinedStream stream, StreamReader.Opener opener, Scheduler grab,
                                    VirtualTimeScheduler timer) {
        Camera camera = new Camera(source, s -> {
            stream.opens.incrementAndGet();
            return opener.open(s);
        }, new Backoff(new ReconnectConfig(Duration.ofSeconds(1), Duration.ofSeconds(4), 0, 0), () -> 0.5), grab,
                timer, Clock.systemUTC(), new FrameLedger("cam", registry));
        camera.statuses().subscribe(statuses::add);
        return camera;
    }

    /**
     * Connected, decoding nothing until {@code keyFrame} opens; read on a camera's own thread (blocking, as FFmpeg's
     * reads are), not one of Reactor's non-blocking ones.
     */
    private static final class LateJoinedStream implements StreamReader {
        final CountDownLatch keyFrame = new CountDownLatch(1);
        final AtomicBoolean reading = new AtomicBoolean();
        final AtomicInteger opens = new AtomicInteger();

        @Override
        public DecodedImage next(LongPredicate wanted) {
            reading.set(true);
            while (keyFrame.getCount() > 0) { // as FFmpeg's read, blocked in native code: no interrupt ends it
                LockSupport.parkNanos(1_000_000);
            }
            return new DecodedImage(null, 0);
        }

        @Override
        public void rewind() {
        }

        @Override
        public double frameRate() {
            return 25;
        }

        @Override
        public String decoderName() {
            return "h264";
        }

        @Override
        public void close() {
        }
    }
}
