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

    /**
     * The NVDEC reader (here on the CPU, with no device) sends its decoder nothing but key frames, through a decoder
     * of its own opened at the next key frame, after asking its device choice again at the key-frame rate; a key frame
     * decoded that way is the picture full decoding gives.
     */
    @Test
    void theNvdecReaderFeedsKeyFramesToADecoderOfItsOwnAndAsksForADeviceAtTheRateItDecodes() throws Exception {
        var source = TestConfigs.file("gop", clip.toString(), false, false);
        List<Double> asked = new ArrayList<>();
        List<Double> room = new ArrayList<>();
        NvdecStreamReader.DeviceChoice cpu = new NvdecStreamReader.DeviceChoice() {
            @Override
            public org.bytedeco.ffmpeg.avutil.AVBufferRef deviceFor(NvdecStreamReader.StreamShape shape) {
                asked.add(shape.frameRate());
                return null;
            }

            @Override
            public org.bytedeco.ffmpeg.avutil.AVBufferRef roomFor(NvdecStreamReader.StreamShape shape) {
                room.add(shape.frameRate());
                return null;
            }
        };
        NvdecDecoders decoders = new NvdecDecoders(DecodeConfig.Nvdec.DEFAULTS);
        try (NvdecStreamReader reader = NvdecStreamReader.open(source, AnalysisSize.SOURCE, decoders, cpu, () -> { });
             NvdecStreamReader whole = NvdecStreamReader.open(source, AnalysisSize.SOURCE, decoders, s -> null,
                     () -> { })) {
            assertEquals(List.of(25.0), asked, "at open, the stream's rate");
            List<Long> times = decode(reader, 26);
            assertEquals(SECOND, reader.keyFrameIntervalMicros());
            assertEquals(25 * 40_000L, times.get(25));
            assertEquals(List.of(), room, "a camera decoding every frame stays on the CPU");

            assertTrue(reader.keyFramesOnly(true));
            List<StreamReader.DecodedImage> keys = new ArrayList<>();
            for (StreamReader.DecodedImage d; (d = reader.next(pts -> pts == 3 * SECOND)) != null; ) {
                keys.add(d);
            }
            assertEquals(List.of(2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND, 6 * SECOND, 7 * SECOND),
                    keys.stream().map(StreamReader.DecodedImage::ptsMicros).toList(), "the key frames left, only");
            assertEquals(List.of(25.0, 1.0), asked, "asked again at the key-frame rate");
            assertEquals(List.of(1.0, 1.0, 1.0, 1.0, 1.0), room,
                    "on the CPU with key frames only, NVDEC is asked for room at each key frame");
            assertTrue(reader.decoderName().endsWith("key frames only"), reader.decoderName());

            StreamReader.DecodedImage expected;
            while ((expected = whole.next(pts -> pts == 3 * SECOND)).skipped()) {
                // every frame up to 3 s
            }
            try (var keyImage = keys.get(1).image(); var wholeImage = expected.image();
                 var diff = new org.bytedeco.opencv.opencv_core.Mat()) {
                org.bytedeco.opencv.global.opencv_core.absdiff(keyImage, wholeImage, diff);
                assertEquals(0.0, org.bytedeco.opencv.global.opencv_core.mean(diff).get(0), 0.01,
                        "a key frame decoded alone is the picture full decoding gives");
            }

            reader.rewind();
            assertTrue(reader.keyFramesOnly(false));
            assertEquals(200, decode(reader, 1000).size(), "every frame again");
            assertEquals(List.of(25.0, 1.0, 25.0), asked);
            assertFalse(reader.decoderName().contains("key frames"), reader.decoderName());
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
