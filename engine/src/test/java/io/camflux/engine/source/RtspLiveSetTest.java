package io.camflux.engine.source;

import io.camflux.engine.CameraView;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraChange;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.RtspServer;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Four cameras from a real RTSP server (GStreamer, loopback), really decoded: add one, replace one, remove one,
 * pause and resume one. The camera no change touches never leaves STREAMING and its frame ids only go up.
 */
class RtspLiveSetTest {

    @Test
    void changesTouchOnlyTheirCameraOnARealRtspServer() throws Exception {
        // the 79 s clip: the server plays each client's stream once, and a 20 s one would end mid-test
        java.nio.file.Path clip = TestAssets.media("vtest.mp4");
        Map<String, java.nio.file.Path> mounts = Map.of("m1", clip, "m2", clip, "m3", clip, "m4", clip);
        try (RtspServer server = RtspServer.start(mounts)) {
            List<SourceConfig> four = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                four.add(TestConfigs.rtsp("cam" + i, server.url("m" + i)));
            }
            List<CameraStatus> statuses = new CopyOnWriteArrayList<>();
            Map<String, List<Long>> ids = new ConcurrentHashMap<>();
            try (CamFlux engine = CamFlux.builder(TestConfigs.shard(5, 8, four)).detector(FakeDetectors.fixedCost(0))
                    .build()) {
                Disposable s = engine.statuses().subscribe(statuses::add);
                Disposable d = engine.detections().subscribe(e ->
                        ids.computeIfAbsent(e.cameraUuid(), k -> new CopyOnWriteArrayList<>()).add(e.frameId()));
                for (int i = 1; i <= 4; i++) {
                    awaitState(engine, "cam" + i, CameraState.STREAMING);
                }
                assertEquals(CameraChange.Kind.ADDED,
                        engine.add(TestConfigs.rtsp("cam5", server.url("m1"))).block(Duration.ofSeconds(30)).kind());
                assertEquals(CameraChange.Kind.REPLACED,
                        engine.put(TestConfigs.rtsp("cam2", server.url("m3"))).block(Duration.ofSeconds(30)).kind());
                CameraView removed = camera(engine, "cam3");
                assertEquals(CameraChange.Kind.REMOVED, engine.remove("cam3").block(Duration.ofSeconds(30)).kind());
                assertEquals(CameraChange.Kind.PAUSED, engine.pause("cam4").block(Duration.ofSeconds(30)).kind());
                assertEquals(CameraChange.Kind.RESUMED, engine.resume("cam4").block(Duration.ofSeconds(30)).kind());
                for (String id : List.of("cam2", "cam4", "cam5")) {
                    awaitState(engine, id, CameraState.STREAMING);
                }
                int before = ids.get("cam1").size();
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (ids.get("cam1").size() < before + 5 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(0, removed.ledger().inFlight(), "every frame of the removed camera released");
                assertTrue(engine.meterRegistry().getMeters().stream()
                        .noneMatch(m -> "cam3".equals(m.getId().getTag("camera_uuid"))), "no series of cam3 left");
                d.dispose();
                s.dispose();
            }
            // a first picture later than timeout_ms after the connect (a loaded machine) is a notice while CONNECTING,
            // not a change of state
            List<CameraState> cam1 = statuses.stream().filter(x -> x.cameraUuid().equals("cam1"))
                    .filter(x -> !(x.state() == CameraState.CONNECTING && StreamError.CONNECT_TIMEOUT.equals(x.errorCode())))
                    .map(CameraStatus::state).toList();
            assertEquals(List.of(CameraState.CONNECTING, CameraState.STREAMING), cam1.subList(0, 2));
            assertTrue(cam1.subList(1, cam1.size() - 1).stream().allMatch(x -> x == CameraState.STREAMING),
                    "cam1 stayed STREAMING until the engine closed: " + cam1);
            List<Long> frames = ids.get("cam1");
            for (int i = 1; i < frames.size(); i++) {
                assertTrue(frames.get(i) > frames.get(i - 1), "cam1's frame ids only go up: " + frames);
            }
            assertTrue(statuses.stream().anyMatch(x -> x.cameraUuid().equals("cam3")
                    && x.state() == CameraState.DISCONNECTED && "removed".equals(x.reason())));
            assertTrue(statuses.stream().anyMatch(x -> x.cameraUuid().equals("cam2")
                    && x.state() == CameraState.DISCONNECTED && "replaced".equals(x.reason())));
        }
    }

    private static CameraView camera(CamFlux engine, String id) {
        return engine.cameras().stream().filter(c -> c.config().cameraUuid().equals(id)).findFirst().orElseThrow();
    }

    private static void awaitState(CamFlux engine, String id, CameraState state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (engine.cameras().stream().anyMatch(c -> c.config().cameraUuid().equals(id) && c.state() == state)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(id + " not " + state + " within 30 s");
    }
}
