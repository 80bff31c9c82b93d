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
}
