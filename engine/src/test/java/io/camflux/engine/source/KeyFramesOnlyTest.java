package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraView;
import io.camflux.engine.config.DecodeConfig;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A camera whose key frames come at least as often as it keeps frames decodes only its key frames: real H.264 with a
 * key frame every second (25 fps), decoded by FFmpeg.
 */
class KeyFramesOnlyTest {
    private static final long SECOND = 1_000_000;
    @TempDir
    static Path dir;
    /** 8 s at 25 fps, a key frame every 25 frames. */
    private static Path clip;

    @BeforeAll
    static void makeClip() throws Exception {
        clip = dir.resolve("gop1s.mp4");
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-loglevel", "error", "-y", "-i",
                TestAssets.media("cam1.mp4").toString(), "-t", "8", "-vf", "fps=25,scale=320:240", "-c:v", "libx264",
                "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-bf", "0", clip.toString())
                .redirectErrorStream(true).start();
        String out = new String(ffmpeg.getInputStream().readAllBytes());
        assertEquals(0, ffmpeg.waitFor(), out);
    }

    @Test
    void theReaderMeasuresTheKeyFrameIntervalAndThenDecodesOnlyKeyFrames() throws Exception {
        var source = TestConfigs.file("gop", clip.toString(), false, false);
        try (FfmpegStreamReader reader = FfmpegStreamReader.open(source)) {
            assertEquals(0, reader.keyFrameIntervalMicros(), "nothing known before two key frames");
            List<Long> times = decode(reader, 26); // frames 0..25: key frames at 0 s and 1 s
            assertEquals(SECOND, reader.keyFrameIntervalMicros());
            assertEquals(25 * 40_000L, times.get(25));

            assertTrue(reader.keyFramesOnly(true));
            List<Long> keys = decode(reader, 100);
            assertEquals(List.of(2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND, 6 * SECOND, 7 * SECOND), keys,
                    "only the key frames of the 6 seconds left");

            reader.rewind();
            assertTrue(reader.keyFramesOnly(false));
            assertEquals(200, decode(reader, 1000).size(), "every frame again");
        }
        try (FfmpegStreamReader never = FfmpegStreamReader.open(source).allowKeyFramesOnly(false)) {
            assertFalse(never.keyFramesOnly(true), "decode.key_frames_only never");
        }
    }

    @Test
    void atMaxFps1ACameraDecodesKeyFramesAndKeepsOneASecondWhileNeverDecodesEverything() throws Exception {
        Run auto = run(1, DecodeConfig.DEFAULTS);
        Run never = run(1, DecodeConfig.DEFAULTS.withKeyFrames(DecodeConfig.KeyFrames.NEVER));
        Run six = run(6, DecodeConfig.DEFAULTS);
        assertEquals(200, never.decoded(), "every frame decoded");
        assertEquals(200, six.decoded(), "key frames a second apart are too few for 6 a second");
        // the first two seconds decoded whole to measure the interval, then one key frame a second
        assertTrue(auto.decoded() <= 26 + 7, "key frames only after the second one: " + auto.decoded());
        assertEquals(never.events(), auto.events(), "the same frames kept, one a second: " + auto + " " + never);
        assertEquals(8, auto.events(), 1);
    }

    private record Run(long decoded, long events) {
    }

    private static Run run(double maxFps, DecodeConfig decode) throws Exception {
        var source = TestConfigs.file("gop", clip.toString(), false, false);
        try (CamFlux engine = CamFlux.builder(TestConfigs.shard(maxFps, 4, List.of(source)).withDecode(decode))
                .detector(FakeDetectors.fixedCost(0)).build()) {
            engine.setEmitEmpty(true);
            long events = engine.detections().count().block(Duration.ofSeconds(60));
            CameraView camera = engine.cameras().get(0);
            return new Run(camera.ledger().decodedCount(), events);
        }
    }

    private static List<Long> decode(StreamReader reader, int most) throws Exception {
        List<Long> times = new ArrayList<>();
        for (StreamReader.DecodedImage d; times.size() < most && (d = reader.next(pts -> false)) != null; ) {
            times.add(d.ptsMicros());
        }
        return times;
    }
}
