package io.camflux.engine.motion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.CameraView;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.DropReason;
import io.camflux.engine.FrameCounts;
import io.camflux.engine.FrameDetector;
import io.camflux.engine.config.MotionConfig;
import io.camflux.engine.config.Polygon;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.Detection;
import io.camflux.model.TestAssets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/** The gate inside the engine: a still camera costs no inference, a busy one keeps its frames. */
class MotionPipelineTest {

    private static FrameDetector onePersonEach() {
        return images -> {
            List<List<Detection>> out = new ArrayList<>();
            for (Mat ignored : images) {
                out.add(List.of(new Detection(0, "person", 0.9f, 0, 0, 1, 1)));
            }
            return out;
        };
    }

    private static ShardConfig withMotion(List<SourceConfig> sources) {
        return TestConfigs.shard(5, 4, sources).withMotion(MotionConfig.defaults(true));
    }

    @Test
    void stillCameraIsGatedBusyCameraIsNot() throws Exception {
        ShardConfig config = withMotion(List.of(
                TestConfigs.file("still", TestAssets.media("static.mp4").toString(), false, false),
                TestConfigs.file("busy", TestAssets.media("cam1.mp4").toString(), false, false)));
        try (CamFlux engine = CamFlux.builder(config).detector(onePersonEach()).build()) {
            List<DetectionEvent> events = engine.detections().collectList().block(Duration.ofMinutes(1));
            CameraView still = engine.cameras().get(0), busy = engine.cameras().get(1);
            long stillSampled = 50, busySampled = 100; // 10 s and 20 s at 5 fps
            assertEquals(stillSampled, still.ledger().releasedCount(DropReason.INFERRED)
                    + still.ledger().releasedCount(DropReason.NO_MOTION), 1);
            assertTrue(still.ledger().releasedCount(DropReason.NO_MOTION) >= stillSampled * 0.7,
                    "still scene skipped after the first frame's decay: " + still.ledger().snapshot());
            assertTrue(busy.ledger().releasedCount(DropReason.NO_MOTION) <= busySampled * 0.1,
                    "busy scene passes: " + busy.ledger().snapshot());
            assertEquals(events.size(), still.ledger().releasedCount(DropReason.INFERRED)
                    + busy.ledger().releasedCount(DropReason.INFERRED));
            double skipRate = engine.meterRegistry().get("motion.frames").tag("camera_uuid", "still")
                    .tag("result", "skipped").counter().count() / stillSampled;
            assertTrue(skipRate >= 0.7, "skip rate as a metric: " + skipRate);
        }
    }

    @Test
    void aMaskOutsideTheImageStopsOnlyThatCameraWithAConfigError() throws Exception {
        Polygon outside = new Polygon(List.of(new Polygon.Point(0, 0), new Polygon.Point(5000, 0),
                new Polygon.Point(0, 10)));
        SourceConfig bad = new SourceConfig("bad-mask", TestAssets.media("cam2.mp4").toString(), "s", "t", "tcp",
                false, false, Duration.ofSeconds(1), List.of(outside));
        ShardConfig config = withMotion(List.of(bad,
                TestConfigs.file("good", TestAssets.media("cam1.mp4").toString(), false, false)));
        try (CamFlux engine = CamFlux.builder(config).detector(onePersonEach()).build()) {
            List<CameraStatus> statuses = new CopyOnWriteArrayList<>();
            engine.statuses().subscribe(statuses::add);
            List<DetectionEvent> events = engine.detections().collectList().block(Duration.ofMinutes(1));
            assertTrue(events.stream().allMatch(e -> e.cameraUuid().equals("good")) && events.size() > 50);
            CameraStatus error = statuses.stream().filter(s -> s.cameraUuid().equals("bad-mask") && s.isError())
                    .findFirst().orElseThrow(() -> new AssertionError("no error status: " + statuses));
            assertEquals(CameraState.DISCONNECTED, error.state());
            assertEquals("CONFIG_ERROR", error.errorCode());
            assertTrue(error.detail().contains("motion_mask[0][1]"), error.detail());
            for (CameraView c : engine.cameras()) {
                assertEquals(0, c.ledger().inFlight());
            }
        }
    }

    /**
     * A realtime file of a still scene, every frame of which the gate drops, still plays at its own rate: it was paced
     * only by the frames it kept, and so was read as fast as it decoded (4-6x its rate, two cores busy for 16).
     */
    @Test
    void aStillRealtimeFileWhoseFramesTheGateDropsPlaysAtItsRate() throws Exception {
        ShardConfig config = TestConfigs.shard(2, 4, List.of(
                TestConfigs.file("still", TestAssets.media("static.mp4").toString(), true, true)))
                .withMotion(MotionConfig.defaults(true));
        try (CamFlux engine = CamFlux.builder(config).detector(onePersonEach()).build()) {
            reactor.core.Disposable running = engine.detections().subscribe();
            FrameCounts still = engine.cameras().get(0).ledger();
            await(() -> still.releasedCount(DropReason.NO_MOTION) >= 2, "the gate drops the still scene");
            long decodedBefore = still.decodedCount();
            long started = System.nanoTime();
            Thread.sleep(3000);
            double seconds = (System.nanoTime() - started) / 1e9;
            double fps = (still.decodedCount() - decodedBefore) / seconds;
            running.dispose();
            // the clip is 10 fps; a machine that stalls reads behind, never ahead
            assertTrue(fps <= 10 * 1.3, "decoded " + fps + " frames a second of a 10 fps clip");
            assertTrue(still.releasedCount(DropReason.NO_MOTION) > still.releasedCount(DropReason.INFERRED),
                    "the gate dropped the still frames (it passes the first)");
        }
    }

    /** Turning the gate on and off while a still camera streams: no reconnect, frame ids go on, drops follow. */
    @Test
    void motionConfigAppliesLiveWithoutReconnecting() throws Exception {
        ShardConfig config = TestConfigs.shard(5, 4, List.of(
                TestConfigs.file("still", TestAssets.media("static.mp4").toString(), true, true)));
        try (CamFlux engine = CamFlux.builder(config).detector(onePersonEach()).build()) {
            List<CameraStatus> statuses = new CopyOnWriteArrayList<>();
            engine.statuses().subscribe(statuses::add);
            List<DetectionEvent> events = new CopyOnWriteArrayList<>();
            reactor.core.Disposable running = engine.detections().subscribe(events::add);
            FrameCounts still = engine.cameras().get(0).ledger();
            await(() -> still.releasedCount(DropReason.INFERRED) >= 5, "frames detected with the gate off");
            assertEquals(0, still.releasedCount(DropReason.NO_MOTION));

            engine.setMotionConfig(MotionConfig.defaults(true));
            await(() -> still.releasedCount(DropReason.NO_MOTION) >= 10, "a still scene skipped once the gate is on");
            long inferredWhileOn = still.releasedCount(DropReason.INFERRED);
            engine.setMotionConfig(MotionConfig.defaults(false));
            await(() -> still.releasedCount(DropReason.INFERRED) >= inferredWhileOn + 5, "frames pass again, gate off");
            long skipped = still.releasedCount(DropReason.NO_MOTION);
            List<CameraState> states = statuses.stream().map(CameraStatus::state).distinct().toList();
            running.dispose();

            assertTrue(skipped < still.releasedCount(DropReason.SAMPLED_OUT), "the gate judged sampled frames only");
            assertEquals(List.of(CameraState.CONNECTING, CameraState.STREAMING), states, "never reconnected");
            List<Long> ids = events.stream().map(DetectionEvent::frameId).toList();
            for (int i = 1; i < ids.size(); i++) {
                assertTrue(ids.get(i) > ids.get(i - 1), "frame ids only go up: " + ids);
            }
            assertTrue(ids.get(ids.size() - 1) - ids.get(0) + 1 >= ids.size() + skipped - 4,
                    "gated frames used up their ids: " + ids.size() + " events, " + skipped + " skipped, " + ids);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(20);
        }
    }
}
