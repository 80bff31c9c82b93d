package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/**
 * The NVDEC reader's own demuxing, timing, conversion and looping, on the CPU (its path when NVDEC has no room):
 * the same frames at the same times as JavaCV's grabber. The GPU half runs on the GPU host (bench decode).
 */
class NvdecStreamReaderTest {
    private static final String CLIP = "cam1.mp4";

    @Test
    void decodesTheSameFramesAtTheSameTimesAsTheGrabber() throws Exception {
        var source = TestConfigs.file("c", TestAssets.media(CLIP).toString(), false, false);
        AtomicReference<NvdecStreamReader.StreamShape> shape = new AtomicReference<>();
        AtomicInteger closes = new AtomicInteger();
        List<Long> times = new ArrayList<>();
        Mat at2s = null;
        try (StreamReader reader = NvdecStreamReader.open(source, s -> {
            shape.set(s);
            return null;
        }, closes::incrementAndGet)) {
            assertEquals("h264", reader.decoderName());
            for (StreamReader.DecodedImage d; (d = reader.next(pts -> pts % 500_000 == 0)) != null; ) {
                times.add(d.ptsMicros());
                if (d.skipped()) {
                    continue;
                }
                assertEquals(0, d.ptsMicros() % 500_000);
                if (d.ptsMicros() == 2_000_000) {
                    at2s = d.image();
                } else {
                    d.image().close();
                }
            }
            reader.close();
            assertEquals(1, closes.get(), "close runs the release once");
        }
        assertEquals(1, closes.get(), "a second close does nothing");
        assertEquals(new NvdecStreamReader.StreamShape(768, 576, 10.0), shape.get());
        assertEquals(200, times.size(), "every frame of the 20 s, 10 fps clip");
        List<Long> grabberTimes = new ArrayList<>();
        Mat reference = null;
        try (FfmpegStreamReader grabber = FfmpegStreamReader.open(source)) {
            for (StreamReader.DecodedImage d; (d = grabber.next(pts -> pts == 2_000_000)) != null; ) {
                grabberTimes.add(d.ptsMicros());
                if (!d.skipped()) {
                    reference = d.image();
                }
            }
        }
        assertEquals(grabberTimes, times, "the same media times");
        try (Mat image = at2s; Mat expected = reference; Mat diff = new Mat()) {
            assertEquals(expected.cols(), image.cols());
            assertEquals(expected.rows(), image.rows());
            opencv_core.absdiff(image, expected, diff);
            Scalar mean = opencv_core.mean(diff);
            assertTrue(mean.get(0) < 2 && mean.get(1) < 2 && mean.get(2) < 2,
                    "the same picture within colour conversion: " + mean.get(0) + " " + mean.get(1) + " " + mean.get(2));
        }
    }

    @Test
    void cuvidScalesToTheAnalysisSizeOnlyWhenThereIsSomethingToScale() {
        var yolox = new AnalysisSize(416, 416, 0);
        var fullHd = new NvdecStreamReader.StreamShape(1920, 1080, 25);
        assertArrayEquals(new int[] {416, 234}, NvdecStreamReader.resizeTarget(fullHd, yolox));
        assertNull(NvdecStreamReader.resizeTarget(new NvdecStreamReader.StreamShape(320, 240, 25), yolox),
                "smaller than the detector's input: decoded as it is");
        assertNull(NvdecStreamReader.resizeTarget(fullHd, AnalysisSize.SOURCE), "a detector that takes any size");
        assertNull(NvdecStreamReader.resizeTarget(new NvdecStreamReader.StreamShape(0, 0, 25), yolox),
                "a size not known before decoding");
        System.setProperty(NvdecStreamReader.RESIZE_PROPERTY, "false");
        try {
            assertNull(NvdecStreamReader.resizeTarget(fullHd, yolox), "switched off");
            System.setProperty(NvdecStreamReader.RESIZE_PROPERTY, "ture");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NvdecStreamReader.resizeTarget(fullHd, yolox));
            assertTrue(e.getMessage().contains(NvdecStreamReader.RESIZE_PROPERTY) && e.getMessage().contains("ture"),
                    e.getMessage());
        } finally {
            System.clearProperty(NvdecStreamReader.RESIZE_PROPERTY);
        }
    }

    @Test
    void rewindStartsTheFileAgainFromTheFirstFrame() throws Exception {
        var source = TestConfigs.file("c", TestAssets.media(CLIP).toString(), false, false);
        try (StreamReader reader = NvdecStreamReader.open(source, s -> null, () -> { })) {
            int first = count(reader);
            reader.rewind();
            StreamReader.DecodedImage again = reader.next(pts -> true);
            assertEquals(0, again.ptsMicros());
            again.image().close();
            assertEquals(first - 1, count(reader), "the whole file again");
        }
    }

    @Test
    void aMissingFileIsNotFoundAndReservesNothing() {
        var source = TestConfigs.file("c", "/nonexistent/clip.mp4", false, false);
        AtomicInteger chosen = new AtomicInteger(), closes = new AtomicInteger();
        IOException e = assertThrows(IOException.class, () -> NvdecStreamReader.open(source, s -> {
            chosen.incrementAndGet();
            return null;
        }, closes::incrementAndGet));
        assertEquals(StreamError.NOT_FOUND, StreamError.classify(e).code(), e.getMessage());
        assertEquals(0, chosen.get(), "no decoder was chosen for a stream that never opened");
        assertEquals(0, closes.get());
    }

    @Test
    void nvdecIsDrivenThroughCuvidUnlessTheHwaccelIsAskedForAndAnythingElseIsRefused() {
        String before = System.getProperty(NvdecStreamReader.QUEUE_PROPERTY);
        try {
            System.clearProperty(NvdecStreamReader.QUEUE_PROPERTY);
            assertTrue(NvdecStreamReader.queuedDecoder(), "CUVID by default");
            System.setProperty(NvdecStreamReader.QUEUE_PROPERTY, "hwaccel");
            assertFalse(NvdecStreamReader.queuedDecoder());
            System.setProperty(NvdecStreamReader.QUEUE_PROPERTY, "cuda");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, NvdecStreamReader::queuedDecoder);
            assertTrue(e.getMessage().contains(NvdecStreamReader.QUEUE_PROPERTY) && e.getMessage().contains("cuda"),
                    e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(NvdecStreamReader.QUEUE_PROPERTY);
            } else {
                System.setProperty(NvdecStreamReader.QUEUE_PROPERTY, before);
            }
        }
    }

    @Test
    void nvdecLoadCountsPixelsAgainst1080pWithAFloorForSmallFrames() {
        assertEquals(25, new NvdecStreamReader.StreamShape(1920, 1080, 25).nvdecLoad(), 1e-9);
        assertEquals(15, new NvdecStreamReader.StreamShape(1280, 720, 25).nvdecLoad(), 1e-9, "0.44 of the pixels: 0.6");
        assertEquals(15, new NvdecStreamReader.StreamShape(640, 360, 25).nvdecLoad(), 1e-9);
        assertEquals(100, new NvdecStreamReader.StreamShape(3840, 2160, 25).nvdecLoad(), 1e-9, "4K: four 1080p frames");
        assertEquals(25, new NvdecStreamReader.StreamShape(1920, 1080, 0).nvdecLoad(), 1e-9, "an unknown rate: 25 fps");
        int fullHd = (int) (NvdecDevice.DEFAULT_BUDGET / new NvdecStreamReader.StreamShape(1920, 1080, 25).nvdecLoad());
        int hd = (int) (NvdecDevice.DEFAULT_BUDGET / new NvdecStreamReader.StreamShape(1280, 720, 25).nvdecLoad());
        assertEquals(List.of(120, 200), List.of(fullHd, hd), "the default budget's cameras: the measured splits");
    }

    @Test
    void nvdecShareIsReservedUpToTheBudgetAndGivenBack() {
        String before = System.getProperty(NvdecDevice.BUDGET_PROPERTY);
        System.setProperty(NvdecDevice.BUDGET_PROPERTY, "100");
        try {
            double base = NvdecDevice.reserved();
            assertTrue(NvdecDevice.tryReserve(60));
            assertFalse(NvdecDevice.tryReserve(60 - base), "over the budget");
            assertTrue(NvdecDevice.tryReserve(40 - base));
            NvdecDevice.release(60);
            assertTrue(NvdecDevice.tryReserve(50));
            NvdecDevice.release(50);
            NvdecDevice.release(40 - base);
            assertEquals(base, NvdecDevice.reserved(), 1e-9);
        } finally {
            if (before == null) {
                System.clearProperty(NvdecDevice.BUDGET_PROPERTY);
            } else {
                System.setProperty(NvdecDevice.BUDGET_PROPERTY, before);
            }
        }
    }

    private static int count(StreamReader reader) throws Exception {
        int n = 0;
        for (StreamReader.DecodedImage d; (d = reader.next(pts -> false)) != null; ) {
            n++;
        }
        return n;
    }
}
