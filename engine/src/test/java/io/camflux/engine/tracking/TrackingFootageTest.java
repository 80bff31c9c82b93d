package io.camflux.engine.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.config.TrackingConfig;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tracking on real footage (people walking, the demo's first clip, 20 s at 6 fps) with the default model: detections
 * carry track ids, objects keep them over many frames, and without tracking no event has one.
 */
class TrackingFootageTest {
    @Test
    void peopleWalkingKeepTheirTrackIdsOverManyFrames() throws Exception {
        String clip = TestAssets.media("cam1.mp4").toString();
        var config = TestConfigs.shard(6, 4, List.of(TestConfigs.file("cam-t", clip, false, false)))
                .withTracking(new TrackingConfig(true, 2.0, 2, 0.5, 0.1));
        List<DetectionEvent> events;
        try (CamFlux engine = CamFlux.builder(config).build()) {
            events = engine.detections().collectList().block(Duration.ofMinutes(2));
        }
        Map<Long, Integer> frames = new HashMap<>();
        long people = 0, tracked = 0;
        for (DetectionEvent e : events) {
            for (DetectionEvent.Detected d : e.detections()) {
                if (!d.className().equals("person")) {
                    continue;
                }
                people++;
                if (d.trackId() != null) {
                    tracked++;
                    frames.merge(d.trackId(), 1, Integer::sum);
                }
            }
        }
        double meanLength = frames.values().stream().mapToInt(Integer::intValue).average().orElse(0);
        System.out.printf("TRACKING cam1.mp4: %d person boxes, %d on tracks, %d tracks, mean %.1f frames per track%n",
                people, tracked, frames.size(), meanLength);
        assertTrue(people > 300, "people found: " + people);
        assertTrue(tracked > 0.8 * people, "most person boxes are on a confirmed track: " + tracked + " of " + people);
        assertTrue(meanLength >= 10, "a track lasts many frames (over 1.5 s at 6 fps): " + meanLength);
        assertTrue(frames.size() < people / 10, "far fewer tracks than boxes: " + frames.size());

        var untracked = TestConfigs.shard(6, 4, List.of(TestConfigs.file("cam-u", clip, false, false)));
        try (CamFlux engine = CamFlux.builder(untracked).build()) {
            List<DetectionEvent> plain = engine.detections().take(20).collectList().block(Duration.ofMinutes(1));
            assertEquals(0, plain.stream().flatMap(e -> e.detections().stream()).filter(d -> d.trackId() != null).count(),
                    "tracking is off by default");
            String json = io.camflux.engine.event.EventJson.detection(plain.get(0));
            assertTrue(!json.contains("track_id"), json);
        }
        String json = io.camflux.engine.event.EventJson.detection(events.get(events.size() / 2));
        assertTrue(json.contains("\"track_id\":"), json);
    }

    @Test
    void objectEventsOnFootageAreFewAndConsistentWithTheTracks() throws Exception {
        String clip = TestAssets.media("cam1.mp4").toString();
        // the clip is 768x576: a zone over its lower half and a line across it from top to bottom
        io.camflux.engine.config.SceneConfig scene = new io.camflux.engine.config.SceneConfig(
                List.of(new io.camflux.engine.config.SceneConfig.Zone("lower", new io.camflux.engine.config.Polygon(List.of(
                        new io.camflux.engine.config.Polygon.Point(0, 288), new io.camflux.engine.config.Polygon.Point(768, 288),
                        new io.camflux.engine.config.Polygon.Point(768, 576), new io.camflux.engine.config.Polygon.Point(0, 576))),
                        java.util.Set.of("person"), 0.5)),
                List.of(new io.camflux.engine.config.SceneConfig.Line("middle", new io.camflux.engine.config.Polygon.Point(384, 0),
                        new io.camflux.engine.config.Polygon.Point(384, 576), java.util.Set.of())));
        var config = TestConfigs.shard(6, 4, List.of(TestConfigs.file("cam-o", clip, false, false).withScene(scene)))
                .withTracking(new TrackingConfig(true, 2.0, 2, 0.5, 0.1, TrackingConfig.Events.BOTH));
        List<io.camflux.engine.ObjectEvent> objects;
        List<DetectionEvent> frames;
        try (CamFlux engine = CamFlux.builder(config).build()) {
            var objectsLater = engine.objectEvents().collectList().toFuture();
            frames = engine.detections().collectList().block(Duration.ofMinutes(2));
            objects = objectsLater.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        java.util.Set<Long> tracks = new java.util.HashSet<>();
        frames.forEach(e -> e.detections().forEach(d -> {
            if (d.trackId() != null) {
                tracks.add(d.trackId());
            }
        }));
        Map<String, Long> byType = new java.util.TreeMap<>();
        objects.forEach(o -> byType.merge(o.type(), 1L, Long::sum));
        System.out.printf("OBJECTS cam1.mp4: %d detection events, %d object events %s, %d tracks; %.1fx fewer events%n",
                frames.size(), objects.size(), byType, tracks.size(), (double) frames.size() / objects.size());
        assertEquals(tracks.size(), byType.getOrDefault("object.new", 0L), "one object.new per track");
        assertEquals(tracks.size(), byType.getOrDefault("object.end", 0L), "and one object.end: every track ended");
        assertEquals(byType.getOrDefault("zone.enter", 0L), byType.getOrDefault("zone.exit", 0L),
                "every entry has its exit by the end");
        assertTrue(byType.getOrDefault("zone.enter", 0L) >= 1, "someone walks in the lower half: " + byType);
        assertTrue(byType.getOrDefault("line.cross", 0L) >= 1, "someone crosses the middle: " + byType);
        assertTrue(objects.size() < frames.size(), "fewer object events than frame events");
        for (io.camflux.engine.ObjectEvent end : objects.stream().filter(o -> o.type().equals("object.end")).toList()) {
            assertTrue(end.dwellSeconds() >= 0 && end.box() != null && end.box().x2() <= 768, end.toString());
        }
        String json = io.camflux.engine.event.EventJson.object(objects.get(0), null);
        assertTrue(json.contains("\"type\":\"object.new\"") && json.contains("\"track_id\":")
                && json.contains("\"model\":\"default\""), json);
    }
}
