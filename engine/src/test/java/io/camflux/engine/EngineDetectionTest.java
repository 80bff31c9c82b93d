package io.camflux.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CameraView;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The whole engine with the default model on real footage: people are found, frames are all released. */
class EngineDetectionTest {

    @Test
    void detectsPeopleInRecordedFootage() throws Exception {
        String clip = TestAssets.media("cam1.mp4").toString();
        var config = TestConfigs.shard(5, 4, List.of(
                TestConfigs.file("cam-a", clip, false, false),
                TestConfigs.file("cam-b", clip, false, false)));
        try (CamFlux engine = CamFlux.builder(config).build()) {
            List<DetectionEvent> events = engine.detections().collectList().block(Duration.ofMinutes(2));
            assertTrue(events.size() > 150, "events: " + events.size());
            for (String cam : List.of("cam-a", "cam-b")) {
                List<DetectionEvent> mine = events.stream().filter(e -> e.cameraUuid().equals(cam)).toList();
                for (int i = 1; i < mine.size(); i++) {
                    assertTrue(mine.get(i).frameId() > mine.get(i - 1).frameId(), "frame ids increase");
                }
            }
            long withPeople = events.stream()
                    .filter(e -> e.detections().stream().filter(d -> d.className().equals("person")).count() >= 2)
                    .count();
            assertTrue(withPeople > events.size() * 0.9, "people in almost every frame: " + withPeople);
            DetectionEvent e = events.get(events.size() - 1);
            assertEquals("runner-T", e.runnerId());
            assertEquals("tenant-T", e.tenantId());
            assertTrue(e.latency().inferenceS() > 0 && e.latency().e2eS() >= e.latency().inferenceS(), e.latency().toString());
            assertTrue(e.fps() > 0, "measured fps");
            for (DetectionEvent.Detected d : e.detections()) {
                assertTrue(d.box().x2() <= 768 && d.box().y2() <= 576 && d.box().x1() >= 0, d.toString());
            }
            for (CameraView c : engine.cameras()) {
                assertEquals(0, c.ledger().inFlight());
                assertEquals(200, c.ledger().decodedCount(), "the 20 s clip at 10 fps");
                assertEquals(100, c.ledger().releasedCount(DropReason.INFERRED), 1, "5 of 10 fps by timestamps");
                assertEquals(CameraState.DISCONNECTED, c.state(), "a file without loop ends");
            }
        }
    }
}
