package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.FrameDetector;
import io.camflux.engine.testing.RtspServer;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.Detection;
import io.camflux.model.TestAssets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** Cameras served by a real RTSP server (GStreamer) over loopback. */
class RtspReconnectTest {

    private static FrameDetector countingDetector(AtomicLong frames) {
        return images -> {
            List<List<Detection>> out = new ArrayList<>();
            for (Mat image : images) {
                frames.incrementAndGet();
                out.add(List.of(new Detection(0, "person", 0.9f, 0, 0, image.cols(), image.rows())));
            }
            return out;
        };
    }

    private static CameraStatus await(BlockingQueue<CameraStatus> statuses, String camera, CameraState state,
                                      boolean error) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            CameraStatus s = statuses.poll(100, TimeUnit.MILLISECONDS);
            if (s != null && s.cameraUuid().equals(camera) && s.state() == state && s.isError() == error) {
                return s;
            }
        }
        throw new AssertionError("no " + state + (error ? " error" : "") + " status for " + camera);
    }

    /**
     * A live camera whose only key frame went out before the camera joined: connected, packets arriving, no picture.
     * Within timeout_ms of the connect a status says so (it stayed CONNECTING with nothing said); the connection
     * stays, since a reconnect would only join after the key frame again.
     */
    @Test
    void aStreamJoinedAfterItsKeyFrameIsSaidWithinTimeoutAndTheConnectionStays() throws Exception {
        try (RtspServer server = RtspServer.start(Map.of(), Map.of("late", 1_000_000))) {
            var config = TestConfigs.shard(5, 4, List.of(TestConfigs.rtsp("cam-late", server.url("late"))));
            try (CamFlux engine = CamFlux.builder(config).detector(countingDetector(new AtomicLong())).build()) {
                BlockingQueue<CameraStatus> statuses = new LinkedBlockingQueue<>();
                Disposable s = engine.statuses().subscribe(statuses::add);
                Disposable d = engine.detections().subscribe();
                CameraStatus said = await(statuses, "cam-late", CameraState.CONNECTING, true);
                assertEquals(StreamError.CONNECT_TIMEOUT, said.errorCode());
                assertTrue(said.detail().contains("no picture decoded within timeout_ms (3000 ms)"), said.detail());
                Thread.sleep(4_000);
                List<CameraStatus> later = new ArrayList<>();
                statuses.drainTo(later);
                assertEquals(List.of(), later, "the connection stays: no reconnect, nothing else said");
                assertEquals(CameraState.CONNECTING, engine.cameras().get(0).state());
                // a read that waits for a key frame ends with its connection, not with a stop (JavaCV's grabber
                // cannot be interrupted while packets arrive): the server goes first
                server.stop();
                d.dispose();
                s.dispose();
            }
        }
    }

    @Test
    void serverStoppedAndRestartedTheCameraComesBackAndOthersNeverStop() throws Exception {
        AtomicLong inferred = new AtomicLong();
        try (RtspServer server = RtspServer.start(Map.of("camera_001", TestAssets.media("vtest.mp4")))) {
            var config = TestConfigs.shard(5, 4, List.of(
                    TestConfigs.rtsp("cam-live", server.url("camera_001")),
                    TestConfigs.rtsp("cam-never", "rtsp://127.0.0.1:1/nothing-listens-here")));
            try (CamFlux engine = CamFlux.builder(config).detector(countingDetector(inferred)).build()) {
                BlockingQueue<CameraStatus> statuses = new LinkedBlockingQueue<>();
                BlockingQueue<DetectionEvent> events = new LinkedBlockingQueue<>();
                Disposable s = engine.statuses().subscribe(statuses::add);
                Disposable d = engine.detections().subscribe(events::add);

                CameraStatus streaming = await(statuses, "cam-live", CameraState.STREAMING, false);
                assertTrue(streaming.fps() > 0, "the first status carries a measured rate: " + streaming);
                CameraStatus refused = await(statuses, "cam-never", CameraState.RECONNECTING, true);
                assertEquals(StreamError.CONNECT_REFUSED, refused.errorCode());
                assertTrue(refused.retryInMs() > 0);
                // over seconds rather than the first ten frames, which a loaded machine may decode in a burst
                Thread.sleep(4_000);
                double fps = engine.cameras().get(0).decodedFps();
                assertTrue(fps > 5 && fps < 15, "measured fps of a 10 fps clip: " + fps);
                assertEquals("h264", engine.cameras().get(0).decoder(), "the decoder of the camera's connection");
                assertNull(engine.cameras().get(1).decoder(), "none for a camera that never connected");

                server.stop();
                long stoppedAt = System.nanoTime();
                CameraStatus lost = await(statuses, "cam-live", CameraState.RECONNECTING, true);
                assertTrue(lost.retryInMs() >= 100 && lost.retryInMs() <= 1000, "backoff delay: " + lost);
                server.restart();
                await(statuses, "cam-live", CameraState.STREAMING, false);
                System.out.printf("cam-live back to STREAMING %.1f s after the server stopped%n",
                        (System.nanoTime() - stoppedAt) / 1e9);
                events.clear();
                DetectionEvent after = events.poll(10, TimeUnit.SECONDS);
                assertTrue(after != null && after.cameraUuid().equals("cam-live"), "events flow again: " + after);
                assertTrue(engine.cameras().get(1).state() == CameraState.RECONNECTING
                        || engine.cameras().get(1).state() == CameraState.CONNECTING, "the dead camera keeps trying");
                d.dispose();
                s.dispose();
            }
        }
        assertTrue(inferred.get() > 0);
    }
}
