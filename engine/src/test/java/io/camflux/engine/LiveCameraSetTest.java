package io.camflux.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CameraView;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.SyntheticStreams;
import io.camflux.engine.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/**
 * The camera set changes while the engine runs (synthetic cameras paced like live ones, a detector that takes no
 * time): the cameras a change does not touch keep streaming with their frame ids going on; a removed camera's
 * frames are all released and its series leave the registry; pause and resume; the limit; a whole desired list.
 */
class LiveCameraSetTest {
    /** 25 fps for a minute, paced by media time like a live camera. */
    private static final io.camflux.engine.source.StreamReader.Opener LIVE = SyntheticStreams.opener(25 * 60, 40_000, 0);

    private static SourceConfig live(String id) {
        return TestConfigs.file(id, "synthetic", false, true);
    }

    @Test
    void addRemovePauseResumeLeaveTheOtherCamerasAlone() throws Exception {
        var config = TestConfigs.shard(6, 8, List.of(live("a"), live("b"), live("c")));
        Map<String, List<Long>> frameIds = new ConcurrentHashMap<>();
        List<CameraStatus> statuses = new CopyOnWriteArrayList<>();
        io.camflux.engine.FrameCounts ledgerOfA;
        try (CamFlux engine = CamFlux.builder(config).streamOpener(LIVE).detector(FakeDetectors.fixedCost(0)).build()) {
            Disposable s = engine.statuses().subscribe(statuses::add);
            Disposable d = engine.detections().subscribe(e ->
                    frameIds.computeIfAbsent(e.cameraUuid(), k -> new CopyOnWriteArrayList<>()).add(e.frameId()));
            awaitEvents(frameIds, "a", 6);
            ledgerOfA = engine.cameras().get(0).ledger();

            StepVerifier.create(engine.add(live("d")))
                    .expectNext(new CameraChange("d", CameraChange.Kind.ADDED)).verifyComplete();
            awaitEvents(frameIds, "d", 6);
            assertNotNull(engine.meterRegistry().find("frames.decoded").tag("camera_uuid", "c").counter());
            CameraView removed = engine.cameras().stream().filter(c -> c.config().cameraUuid().equals("c")).findFirst()
                    .orElseThrow();
            StepVerifier.create(engine.remove("c"))
                    .expectNext(new CameraChange("c", CameraChange.Kind.REMOVED)).verifyComplete();
            assertEquals(0, removed.ledger().inFlight(), "every frame of the removed camera released");
            assertTrue(engine.meterRegistry().getMeters().stream()
                    .noneMatch(m -> "c".equals(m.getId().getTag("camera_uuid"))), "no series of c left");
            assertEquals(List.of("a", "b", "d"), ids(engine));

            StepVerifier.create(engine.pause("b"))
                    .expectNext(new CameraChange("b", CameraChange.Kind.PAUSED)).verifyComplete();
            assertTrue(engine.isPaused("b"));
            int beforePause = frameIds.get("b").size();
            long lastBeforePause = frameIds.get("b").get(beforePause - 1);
            StepVerifier.create(engine.resume("b"))
                    .expectNext(new CameraChange("b", CameraChange.Kind.RESUMED)).verifyComplete();
            awaitEvents(frameIds, "b", beforePause + 6);
            assertTrue(frameIds.get("b").get(beforePause) > lastBeforePause, "frame ids go on after a resume");

            int aBefore = frameIds.get("a").size();
            awaitEvents(frameIds, "a", aBefore + 6);
            d.dispose();
            s.dispose();
        }
        List<Long> a = frameIds.get("a");
        for (int i = 1; i < a.size(); i++) {
            assertTrue(a.get(i) > a.get(i - 1), "camera a's frame ids only go up: " + a);
        }
        // an id without an event is a frame the pipeline dropped (a live camera's latest-wins slot), never a restart
        long missing = a.get(a.size() - 1) - a.get(0) + 1 - a.size();
        long dropped = ledgerOfA.releasedCount(io.camflux.engine.DropReason.BACKPRESSURE)
                + ledgerOfA.releasedCount(io.camflux.engine.DropReason.CANCELLED);
        assertTrue(missing <= dropped, missing + " ids missing, " + dropped + " frames dropped: " + a);
        assertEquals(List.of(CameraState.CONNECTING, CameraState.STREAMING), states(statuses, "a").subList(0, 2));
        assertFalse(states(statuses, "a").subList(2, states(statuses, "a").size() - 1).contains(CameraState.RECONNECTING),
                "a never reconnected");
        CameraStatus lastOfC = statuses.stream().filter(st -> st.cameraUuid().equals("c")).reduce((x, y) -> y).orElseThrow();
        assertEquals(CameraState.DISCONNECTED, lastOfC.state());
        assertEquals("removed", lastOfC.reason());
        assertTrue(statuses.stream().anyMatch(st -> st.cameraUuid().equals("b") && st.state() == CameraState.PAUSED
                && "paused".equals(st.reason())));
    }

    @Test
    void aCameraRemovedAndAddedAgainAtOnceKeepsItsSeriesForItsWholeNewLife() throws Exception {
        var config = TestConfigs.shard(6, 8, List.of(live("a"), live("b")));
        Map<String, List<Long>> frameIds = new ConcurrentHashMap<>();
        try (CamFlux engine = CamFlux.builder(config).streamOpener(LIVE).detector(FakeDetectors.fixedCost(0)).build()) {
            Disposable d = engine.detections().subscribe(e ->
                    frameIds.computeIfAbsent(e.cameraUuid(), k -> new CopyOnWriteArrayList<>()).add(e.frameId()));
            awaitEvents(frameIds, "a", 6);
            // as DELETE then PUT of the admin API: the removal goes on in the background while the add comes
            engine.remove("a").subscribe();
            StepVerifier.create(engine.add(live("a")))
                    .expectNext(new CameraChange("a", CameraChange.Kind.ADDED)).verifyComplete();
            frameIds.remove("a");
            awaitEvents(frameIds, "a", 6);
            Thread.sleep(300); // the old camera's freeing, had it raced the new one, would have removed its series
            for (String name : List.of("frames.decoded", "stream.up", "stream.fps", "last.frame.age")) {
                assertEquals(1, engine.meterRegistry().find(name).tag("camera_uuid", "a").meters().size(),
                        name + " of the new camera a");
            }
            CameraView a = engine.cameras().stream().filter(c -> c.config().cameraUuid().equals("a")).findFirst()
                    .orElseThrow();
            assertEquals(a.state() == CameraState.STREAMING ? 1.0 : 0.0, engine.meterRegistry().get("stream.up")
                    .tag("camera_uuid", "a").gauge().value(), "the gauge reads the new camera");
            d.dispose();
        }
    }

    @Test
    void anAddBeyondMaxSourcesAndUnknownCamerasAreRefusedWithoutChangingTheSet() throws Exception {
        var config = TestConfigs.shard(6, 8, List.of(live("a"), live("b")));
        try (CamFlux engine = CamFlux.builder(config).maxSources(2).streamOpener(LIVE)
                .detector(FakeDetectors.fixedCost(0)).build()) {
            StepVerifier.create(engine.add(live("c")))
                    .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("max_sources (2)"), e.getMessage()))
                    .verify();
            StepVerifier.create(engine.add(live("a")))
                    .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("already"), e.getMessage())).verify();
            StepVerifier.create(engine.remove("zz"))
                    .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("no camera zz"), e.getMessage()))
                    .verify();
            StepVerifier.create(engine.apply(List.of(live("a"), live("b"), live("c"))))
                    .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("max_sources"), e.getMessage()))
                    .verify();
            assertEquals(List.of("a", "b"), ids(engine));
        }
    }

    @Test
    void applyingADesiredListChangesOnlyWhatDiffers() throws Exception {
        var config = TestConfigs.shard(6, 8, List.of(live("a"), live("b"), live("c")));
        try (CamFlux engine = CamFlux.builder(config).streamOpener(LIVE).detector(FakeDetectors.fixedCost(0)).build()) {
            Disposable d = engine.detections().subscribe();
            CameraView a = engine.cameras().get(0);
            SourceConfig bMoved = TestConfigs.file("b", "synthetic-other", false, true);
            StepVerifier.create(engine.apply(List.of(live("a"), bMoved, live("d"))))
                    .expectNext(List.of(new CameraChange("c", CameraChange.Kind.REMOVED),
                            new CameraChange("a", CameraChange.Kind.UNCHANGED),
                            new CameraChange("b", CameraChange.Kind.REPLACED),
                            new CameraChange("d", CameraChange.Kind.ADDED)))
                    .verifyComplete();
            assertEquals(List.of("a", "b", "d"), ids(engine));
            assertTrue(engine.cameras().get(0) == a, "the unchanged camera is the same camera");
            assertEquals("synthetic-other", engine.cameras().get(1).config().url());
            d.dispose();
        }
    }

    @Test
    void aShardWhoseFilesAllEndedStillCompletes() throws Exception {
        var config = TestConfigs.shard(6, 8, List.of(TestConfigs.file("f", "synthetic", false, false)));
        try (CamFlux engine = CamFlux.builder(config).streamOpener(SyntheticStreams.opener(50, 40_000, 0))
                .detector(FakeDetectors.fixedCost(0)).build()) {
            Long events = engine.detections().count().block(Duration.ofSeconds(20));
            assertNotNull(events);
            assertTrue(events > 0);
            assertEquals(0, engine.cameras().get(0).ledger().inFlight(), "every frame released");
        }
    }

    private static List<String> ids(CamFlux engine) {
        return engine.cameras().stream().map(c -> c.config().cameraUuid()).toList();
    }

    private static List<CameraState> states(List<CameraStatus> statuses, String camera) {
        List<CameraState> out = new ArrayList<>();
        statuses.stream().filter(s -> s.cameraUuid().equals(camera)).forEach(s -> out.add(s.state()));
        return out;
    }

    private static void awaitEvents(Map<String, List<Long>> ids, String camera, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (ids.getOrDefault(camera, List.of()).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("camera " + camera + ": fewer than " + count + " events in 20 s: " + ids.get(camera));
            }
            Thread.sleep(50);
        }
    }
}
