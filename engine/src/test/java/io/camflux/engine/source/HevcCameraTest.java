package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraView;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.RtspServer;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * H.265/HEVC cameras: a clip made with libx265 (scripts/prepare-media.sh), served over RTSP by the real server
 * (GStreamer's rtph265pay) and as a file, decoded on the CPU and detected by the default model.
 */
class HevcCameraTest {

    @Test
    void anHevcCameraOverRtspAndAnHevcFileAreDecodedAndDetected() throws Exception {
        Path clip = TestAssets.media("cam1-hevc.mp4");
        try (RtspServer server = RtspServer.start(Map.of("hevc", clip))) {
            var config = TestConfigs.shard(4, 4, List.of(TestConfigs.rtsp("rtsp-hevc", server.url("hevc")),
                    TestConfigs.file("file-hevc", clip.toString(), false, true)));
            List<DetectionEvent> events = new CopyOnWriteArrayList<>();
            try (CamFlux engine = CamFlux.builder(config).build()) {
                Disposable running = engine.detections().subscribe(events::add);
                for (String camera : List.of("rtsp-hevc", "file-hevc")) {
                    Await.until(() -> events.stream().filter(e -> e.cameraUuid().equals(camera)).count() >= 12, 60,
                            camera + "'s first 12 detection events");
                }
                for (CameraView c : engine.cameras()) {
                    assertEquals(CameraState.STREAMING, c.state(), c.cameraUuid());
                    assertTrue(c.decoder().startsWith("hevc"), c.cameraUuid() + " decoded by " + c.decoder());
                }
                running.dispose();
            }
            for (String camera : List.of("rtsp-hevc", "file-hevc")) {
                List<DetectionEvent> mine = events.stream().filter(e -> e.cameraUuid().equals(camera)).toList();
                long withPeople = mine.stream().filter(e -> e.detections().stream()
                        .filter(d -> d.className().equals("person")).count() >= 2).count();
                assertTrue(withPeople >= 0.8 * mine.size(), camera + ": people in most frames, " + withPeople + " of "
                        + mine.size());
                for (DetectionEvent e : mine) {
                    for (DetectionEvent.Detected d : e.detections()) {
                        assertTrue(d.box().x2() <= 768 && d.box().y2() <= 576, "boxes in source pixels: " + d);
                    }
                }
            }
        }
    }
}
