package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Media time that jumps back (a recording concatenated from segments that each start again, as cameras produce on
 * reconnect or wrap) once made a realtime file burst through its frames to catch up and the sampler pass 29-49
 * frames a second at max_fps 6. Now pacing starts again at a jump and the rate holds.
 */
class TimestampDiscontinuityTest {
    @TempDir
    Path dir;

    @Test
    void pacingStartsAgainWhenMediaTimeGoesBack() {
        Pacer pacer = new Pacer();
        long start = System.nanoTime();
        for (long pts = 0; pts <= 800_000; pts += 40_000) {
            assertTrue(pacer.pace(pts));
        }
        for (long pts = 400_000; pts <= 800_000; pts += 40_000) {
            assertTrue(pacer.pace(pts));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds >= 1.15, "0.8 s, then 0.4 s again at the media rate, not at once: " + seconds + " s");
    }

    @Test
    void aConcatenatedRecordingPlaysAtItsRateAndIsSampledAtMaxFps() throws Exception {
        Path segment = dir.resolve("segment.ts");
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-loglevel", "error", "-y", "-i",
                TestAssets.media("cam1.mp4").toString(), "-t", "1.5", "-c:v", "libx264", "-f", "mpegts",
                segment.toString()).redirectErrorStream(true).start();
        String out = new String(ffmpeg.getInputStream().readAllBytes());
        assertEquals(0, ffmpeg.waitFor(), out);
        byte[] one = Files.readAllBytes(segment);
        Path joined = dir.resolve("joined.ts");
        Files.write(joined, new byte[0]);
        for (int i = 0; i < 3; i++) {
            Files.write(joined, one, java.nio.file.StandardOpenOption.APPEND);
        }
        var source = TestConfigs.file("joined", joined.toString(), false, true);
        List<DetectionEvent> events = new CopyOnWriteArrayList<>();
        long started = System.nanoTime();
        try (CamFlux engine = CamFlux.builder(TestConfigs.shard(6, 4, List.of(source)))
                .detector(FakeDetectors.fixedCost(0)).build()) {
            engine.setEmitEmpty(true);
            engine.detections().doOnNext(events::add).blockLast(Duration.ofSeconds(30));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(seconds >= 4, "three 1.5 s segments play for about 4.5 s, not 1.5 s and a burst: " + seconds);
        // the sampler judges media time: 6 of each second of the recording, 27 of its 4.5 s, where passing every frame
        // after a jump made 45. Not counted per second of the wall clock: a stalled machine hands late frames to the
        // next wall second together with that second's own
        assertEquals(27, events.size(), 4, "6 a second of the recording for 4.5 s");
    }
}
