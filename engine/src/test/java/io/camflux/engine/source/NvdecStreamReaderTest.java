package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.camflux.engine.config.DecodeConfig;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.javacpp.PointerPointer;
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
    private static final NvdecDecoders DEFAULT_DECODERS = new NvdecDecoders(DecodeConfig.Nvdec.DEFAULTS);

    @Test
    void decodesTheSameFramesAtTheSameTimesAsTheGrabber() throws Exception {
        var source = TestConfigs.file("c", TestAssets.media(CLIP).toString(), false, false);
        AtomicReference<NvdecStreamReader.StreamShape> shape = new AtomicReference<>();
        AtomicInteger closes = new AtomicInteger();
        List<Long> times = new ArrayList<>();
        Mat at2s = null;
        try (StreamReader reader = NvdecStreamReader.open(source, AnalysisSize.SOURCE, DEFAULT_DECODERS, s -> {
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
        assertArrayEquals(new int[] {416, 234}, DEFAULT_DECODERS.resizeTarget(fullHd, yolox));
        assertNull(DEFAULT_DECODERS.resizeTarget(new NvdecStreamReader.StreamShape(320, 240, 25), yolox),
                "smaller than the detector's input: decoded as it is");
        assertNull(DEFAULT_DECODERS.resizeTarget(fullHd, AnalysisSize.SOURCE), "a detector that takes any size");
        assertNull(DEFAULT_DECODERS.resizeTarget(new NvdecStreamReader.StreamShape(0, 0, 25), yolox),
                "a size not known before decoding");
        var whole = new NvdecDecoders(DecodeConfig.Nvdec.DEFAULTS.withResize(false));
        assertNull(whole.resizeTarget(fullHd, yolox), "decode.nvdec.resize false");
    }

    @Test
    void theDirectDecoderTakesH264AndHevcAndDeclinesWhereNvidiasLibraryDoesNotLoad() throws Exception {
        AVFormatContext format = new AVFormatContext(null);
        assertEquals(0, avformat_open_input(format, TestAssets.media(CLIP).toString(), (AVInputFormat) null,
                (AVDictionary) null));
        try {
            assertTrue(avformat_find_stream_info(format, (PointerPointer<?>) null) >= 0);
            AVStream stream = format.streams(0);
            assertNull(NvcuvidDecoder.open("mpeg4", stream, null, null, false), "a codec left to FFmpeg's decoders");
            assumeFalse(NvdecDevice.driverPresent(), "where NVIDIA's driver is, its library loads");
            assertNull(NvcuvidDecoder.open("h264", stream, null, null, false),
                    "no library: the reader opens FFmpeg's decoder instead");
        } finally {
            avformat_close_input(format);
        }
    }

    @Test
    void rewindStartsTheFileAgainFromTheFirstFrame() throws Exception {
        var source = TestConfigs.file("c", TestAssets.media(CLIP).toString(), false, false);
        try (StreamReader reader = NvdecStreamReader.open(source, AnalysisSize.SOURCE, DEFAULT_DECODERS, s -> null, () -> { })) {
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
        IOException e = assertThrows(IOException.class, () -> NvdecStreamReader.open(source, AnalysisSize.SOURCE, DEFAULT_DECODERS, s -> {
            chosen.incrementAndGet();
            return null;
        }, closes::incrementAndGet));
        assertEquals(StreamError.NOT_FOUND, StreamError.classify(e).code(), e.getMessage());
        assertEquals(0, chosen.get(), "no decoder was chosen for a stream that never opened");
        assertEquals(0, closes.get());
    }

    @Test
    void nvdecLoadCountsPixelsAgainst1080pWithAFloorForSmallFrames() {
        assertEquals(25, new NvdecStreamReader.StreamShape(1920, 1080, 25).nvdecLoad(), 1e-9);
        assertEquals(15, new NvdecStreamReader.StreamShape(1280, 720, 25).nvdecLoad(), 1e-9, "0.44 of the pixels: 0.6");
        assertEquals(15, new NvdecStreamReader.StreamShape(640, 360, 25).nvdecLoad(), 1e-9);
        assertEquals(100, new NvdecStreamReader.StreamShape(3840, 2160, 25).nvdecLoad(), 1e-9, "4K: four 1080p frames");
        assertEquals(25, new NvdecStreamReader.StreamShape(1920, 1080, 0).nvdecLoad(), 1e-9, "an unknown rate: 25 fps");
        int fullHd = (int) (DecodeConfig.Nvdec.DEFAULT_FRAMES_PER_SECOND / new NvdecStreamReader.StreamShape(1920, 1080, 25).nvdecLoad());
        int hd = (int) (DecodeConfig.Nvdec.DEFAULT_FRAMES_PER_SECOND / new NvdecStreamReader.StreamShape(1280, 720, 25).nvdecLoad());
        assertEquals(List.of(120, 200), List.of(fullHd, hd), "the default budget's cameras: the measured splits");
        DecodeConfig.Nvdec defaults = DecodeConfig.Nvdec.DEFAULTS;
        var hevc = new NvdecStreamReader.StreamShape(1920, 1080, 25, "hevc");
        assertEquals(15, hevc.nvdecLoad(defaults), 1e-9, "an HEVC frame counts 0.6 of an H.264 one");
        assertEquals(25, new NvdecStreamReader.StreamShape(1920, 1080, 25, "h264").nvdecLoad(defaults), 1e-9);
        assertEquals(200, (int) (defaults.framesPerSecond() / hevc.nvdecLoad(defaults)),
                "the default budget takes 200 HEVC cameras of 1080p25: 5,000 of NVDEC's 6,503 HEVC frames/s measured");
        DecodeConfig.Nvdec even = new DecodeConfig.Nvdec(0, 2, false, 3000, DecodeConfig.Decoder.CUVID, true, 1, 16);
        assertEquals(25, hevc.nvdecLoad(even), 1e-9, "hevc_frame_cost 1: counted as H.264");
    }

    @Test
    void nvdecShareIsReservedUpToTheBudgetAndGivenBack() {
        try (NvdecDevice device = new NvdecDevice(DecodeConfig.Nvdec.DEFAULTS.withFramesPerSecond(100))) {
            assertTrue(device.tryReserve(60));
            assertFalse(device.tryReserve(60), "over decode.nvdec.frames_per_second");
            assertTrue(device.tryReserve(40));
            device.release(60);
            assertTrue(device.tryReserve(50));
            device.release(50);
            device.release(40);
            assertEquals(0, device.reserved(), 1e-9);
        }
        try (NvdecDevice none = new NvdecDevice(DecodeConfig.Nvdec.DEFAULTS.withFramesPerSecond(0))) {
            assertFalse(none.tryReserve(15), "a budget of 0 keeps every camera on the CPU");
        }
    }

    @Test
    void aDecoderTheDriverCouldNotMakeCapsTheStreamsNvdecTakes() {
        try (NvdecDevice device = new NvdecDevice(DecodeConfig.Nvdec.DEFAULTS)) {
            assertTrue(device.admitsAnother(5000), "no ceiling until a decoder fails");
            assertTrue(device.lowerCeiling(300), "failed with 300 open, itself among them");
            assertEquals(299, device.streamCeiling());
            assertTrue(device.admitsAnother(298));
            assertFalse(device.admitsAnother(299));
            assertFalse(device.lowerCeiling(400), "a later failure with more open does not raise it");
            assertTrue(device.lowerCeiling(299), "a failure at the ceiling takes it one lower");
            assertEquals(298, device.streamCeiling());
            assertTrue(device.lowerCeiling(250));
            assertEquals(249, device.streamCeiling());
            assertTrue(device.lowerCeiling(1));
            assertEquals(1, device.streamCeiling(), "one stream at least");
        }
    }

    @Test
    void twoEnginesKeepTheirOwnBudgets() {
        try (NvdecDevice a = new NvdecDevice(DecodeConfig.Nvdec.DEFAULTS.withFramesPerSecond(50));
             NvdecDevice b = new NvdecDevice(DecodeConfig.Nvdec.DEFAULTS.withFramesPerSecond(50))) {
            assertTrue(a.tryReserve(50));
            assertTrue(b.tryReserve(50), "a's reservation is not b's");
            assertFalse(a.tryReserve(1));
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
