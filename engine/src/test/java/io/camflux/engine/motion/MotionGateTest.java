package io.camflux.engine.motion;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.DropReason;
import io.camflux.engine.config.MotionConfig;
import io.camflux.engine.config.Polygon;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.source.FfmpegStreamReader;
import io.camflux.engine.source.FrameLedger;
import io.camflux.engine.source.PictureFilter;
import io.camflux.engine.source.StreamReader;
import io.camflux.engine.source.VideoFrame;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/** The gate on real footage and on synthetic scenes with a known moving object. */
class MotionGateTest {
    private static final MotionConfig SEED = MotionConfig.defaults(true);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /**
     * Every frame of a clip through one camera's gate in the reader, as the engine runs it (on the decoded luma);
     * returns the pass flags.
     */
    private List<Boolean> gateClip(String clip, MotionConfig config) throws Exception {
        SourceConfig source = TestConfigs.file("luma-" + clip, TestAssets.media(clip).toString(), false, false);
        OpenCvMotionGate gate = new OpenCvMotionGate(config, source);
        List<Boolean> flags = new ArrayList<>();
        try (FfmpegStreamReader reader = FfmpegStreamReader.open(source);
             PictureFilter filter = gate.open()) {
            for (StreamReader.DecodedImage d; (d = reader.next(pts -> true, filter)) != null; ) {
                flags.add(!d.skipped());
                if (d.skipped()) {
                    assertEquals(DropReason.NO_MOTION, d.dropped());
                } else {
                    d.image().close();
                }
            }
        }
        return flags;
    }

    /** The same clip gated on BGR images converted first, the way a reader without a luma plane does. */
    private List<Boolean> gateClipOnBgr(String clip, MotionConfig config) throws Exception {
        SourceConfig source = TestConfigs.file("bgr-" + clip, TestAssets.media(clip).toString(), false, false);
        List<Boolean> flags = new ArrayList<>();
        try (FfmpegStreamReader reader = FfmpegStreamReader.open(source);
             PictureFilter filter = new OpenCvMotionGate(config, source).open()) {
            for (StreamReader.DecodedImage d; (d = reader.next(pts -> true)) != null; ) {
                flags.add(filter.keep(PictureFilter.Picture.bgr(d.image(), d.ptsMicros(), d.sourceWidth(),
                        d.sourceHeight())));
                d.image().close();
            }
        }
        return flags;
    }

    /** Frames through a gate as BGR images; the frames it drops are released as NO_MOTION. */
    private static List<Boolean> gate(List<VideoFrame> frames, OpenCvMotionGate gate, FrameLedger ledger) {
        List<Boolean> flags = new ArrayList<>();
        try (PictureFilter filter = gate.open()) {
            for (VideoFrame f : frames) {
                boolean keep = filter.keep(PictureFilter.Picture.bgr(f.image(), f.ptsMicros(), f.sourceWidth(),
                        f.sourceHeight()));
                flags.add(keep);
                f.release(keep ? DropReason.INFERRED : DropReason.NO_MOTION);
            }
        }
        assertEquals(0, ledger.inFlight(), "every frame released once");
        return flags;
    }

    private static double passRate(List<Boolean> flags, int from) {
        List<Boolean> tail = flags.subList(from, flags.size());
        return (double) tail.stream().filter(b -> b).count() / tail.size();
    }

    @Test
    void aStillSceneIsSkippedAfterWarmUp() throws Exception {
        List<Boolean> flags = gateClip("static.mp4", SEED);
        assertEquals(100, flags.size(), "10 s at 10 fps");
        assertTrue(flags.get(0), "the first frame opens the gate (no background yet)");
        assertTrue(passRate(flags, 30) <= 0.05, "still scene pass rate " + passRate(flags, 30));
    }

    @Test
    void aStillSceneIsNotPassedWhileTheBackgroundModelLearns() throws Exception {
        List<Boolean> flags = gateClip("static.mp4", SEED);
        long early = flags.subList(0, 30).stream().filter(b -> b).count();
        System.out.println("MOTION still scene, passes in the first 30 frames: " + early + " " + flags.subList(0, 30));
        assertEquals(1, early, "the first frame alone, not a decay's worth of frames from every starting camera: "
                + flags.subList(0, 30));
    }

    @Test
    void peopleWalkingPass() throws Exception {
        List<Boolean> flags = gateClip("cam1.mp4", SEED);
        assertTrue(passRate(flags, 30) >= 0.9, "busy scene pass rate " + passRate(flags, 30));
    }

    /** Video-range luma is stretched to BGR's grey levels, so the gate judges a clip the same either way. */
    @Test
    void theLumaPlaneAndTheBgrImageGetTheSameVerdicts() throws Exception {
        for (String clip : List.of("cam1.mp4", "cam2.mp4", "static.mp4")) {
            List<Boolean> luma = gateClip(clip, SEED), bgr = gateClipOnBgr(clip, SEED);
            assertEquals(bgr.size(), luma.size());
            long same = 0;
            for (int i = 0; i < luma.size(); i++) {
                same += luma.get(i).equals(bgr.get(i)) ? 1 : 0;
            }
            assertTrue(same >= 0.95 * luma.size(), clip + ": " + same + " of " + luma.size() + " verdicts agree");
        }
    }

    /** 320x240 grey frames, 10 fps, with a 40x40 white square moving right inside the top-left 160x120. */
    private static List<VideoFrame> movingSquare(int frames, int width, int height, FrameLedger ledger) {
        List<VideoFrame> out = new ArrayList<>();
        double sx = width / 320.0, sy = height / 240.0;
        for (int i = 0; i < frames; i++) {
            Mat image = new Mat(height, width, CV_8UC3, new Scalar(90, 90, 90, 0));
            int x = (int) (((i * 7) % 110) * sx);
            try (Rect square = new Rect(x + (int) (5 * sx), (int) (40 * sy), (int) (40 * sx), (int) (40 * sy));
                 Scalar white = new Scalar(250, 250, 250, 0)) {
                opencv_imgproc.rectangle(image, square, white, -1, opencv_imgproc.LINE_8, 0);
            }
            out.add(new VideoFrame("synthetic", i, i * 100_000L, 0, 0, image, ledger));
        }
        return out;
    }

    @Test
    void motionInsideAMaskIsIgnored() {
        Polygon topLeft = new Polygon(List.of(new Polygon.Point(0, 0), new Polygon.Point(170, 0),
                new Polygon.Point(170, 130), new Polygon.Point(0, 130)));
        SourceConfig masked = new SourceConfig("m", "x.mp4", "s", "t", "tcp", false, false, Duration.ofSeconds(1),
                List.of(topLeft));
        SourceConfig open = TestConfigs.file("o", "x.mp4", false, false);

        FrameLedger l1 = new FrameLedger("o", registry);
        List<Boolean> unmasked = gate(movingSquare(60, 320, 240, l1), new OpenCvMotionGate(SEED, open), l1);
        FrameLedger l2 = new FrameLedger("m", registry);
        List<Boolean> maskedFlags = gate(movingSquare(60, 320, 240, l2), new OpenCvMotionGate(SEED, masked), l2);
        assertTrue(passRate(unmasked, 30) > 0.9, "moving square seen: " + passRate(unmasked, 30));
        assertTrue(passRate(maskedFlags, 30) < 0.05, "moving square masked: " + passRate(maskedFlags, 30));
    }

    @Test
    void areasMeanSourcePixelsWhateverTheWorkingWidth() {
        double[] areas = new double[2];
        int[] widths = {160, 640};
        for (int k = 0; k < 2; k++) {
            MotionConfig c = new MotionConfig(true, 150, 25, 21, 500, 0.5, 2, 2, 2.0, widths[k]);
            FrameLedger ledger = new FrameLedger("scale" + k, registry);
            List<VideoFrame> frames = movingSquare(30, 640, 480, ledger);
            try (MotionDetector d = new MotionDetector(c, List.of(), "scale")) {
                double sum = 0;
                for (int i = 0; i < frames.size(); i++) {
                    double area = d.movingArea(frames.get(i).image());
                    if (i >= 10) {
                        sum += area;
                    }
                }
                areas[k] = sum / 20;
            }
            frames.forEach(f -> f.release(DropReason.INFERRED));
        }
        assertTrue(areas[0] > 3000 && areas[1] > 3000, "an 80x80 square moving: " + areas[0] + ", " + areas[1]);
        double ratio = areas[0] / areas[1];
        assertTrue(ratio > 0.7 && ratio < 1.4, "same scene, working width 160 vs 640: " + areas[0] + " vs " + areas[1]);
    }

    @Test
    void aMaskOutsideTheImageIsAClearError() {
        Polygon outside = new Polygon(List.of(new Polygon.Point(0, 0), new Polygon.Point(900, 0),
                new Polygon.Point(900, 100)));
        SourceConfig source = new SourceConfig("cam-x", "x.mp4", "s", "t", "tcp", false, false, Duration.ofSeconds(1),
                List.of(outside));
        FrameLedger ledger = new FrameLedger("cam-x", registry);
        List<VideoFrame> frames = movingSquare(3, 320, 240, ledger);
        OpenCvMotionGate gate = new OpenCvMotionGate(SEED, source);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gate(frames, gate, ledger));
        assertTrue(e.getMessage().contains("motion_mask[0][1] (900.0, 0.0) lies outside the 320x240 image"),
                e.getMessage());
        frames.forEach(f -> f.release(DropReason.CANCELLED));
        assertEquals(0, ledger.inFlight());
    }

    @Test
    void aHostWithoutOpenCvsVideoLibrariesGetsOneMessageAtStartNamingTheLibraryAndTheWayOut() {
        OpenCvMotionGate.requireNatives();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> OpenCvMotionGate.requireNatives(() -> {
            throw new ExceptionInInitializerError(new UnsatisfiedLinkError(
                    "libjniopencv_highgui.so: libgtk-x11-2.0.so.0: cannot open shared object file"));
        }));
        assertTrue(e.getMessage().startsWith("motion_config.enabled: the motion gate needs OpenCV's video module"),
                e.getMessage());
        assertTrue(e.getMessage().contains("libgtk-x11-2.0.so.0: cannot open shared object file"), e.getMessage());
        assertTrue(e.getMessage().contains("libgtk2.0-0") && e.getMessage().contains("turn the motion gate off"),
                e.getMessage());
    }
}
