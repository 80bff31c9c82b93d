package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.Detection;
import io.camflux.model.DetectorSettings;
import io.camflux.model.OnnxDetector;
import io.camflux.model.TestAssets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;

/** Kept frames at the detector's size: the sizes, the pictures, and the same detections in source pixels. */
class AnalysisSizeTest {
    private static final AnalysisSize YOLOX_416 = new AnalysisSize(416, 416, 0);

    @Test
    void aPictureIsKeptAtTheSizeTheLetterboxWouldScaleItTo() {
        assertArrayEquals(new int[] {416, 234}, YOLOX_416.of(1920, 1080));
        assertArrayEquals(new int[] {416, 234}, YOLOX_416.of(1280, 720));
        assertArrayEquals(new int[] {416, 312}, YOLOX_416.of(768, 576));
        assertArrayEquals(new int[] {234, 416}, YOLOX_416.of(1080, 1920), "portrait: the height bounds it");
        assertArrayEquals(new int[] {640, 360}, new AnalysisSize(416, 416, 640).of(1920, 1080), "the motion gate's width");
        assertArrayEquals(new int[] {320, 240}, YOLOX_416.of(320, 240), "never larger than the source");
        assertArrayEquals(new int[] {1920, 1080}, AnalysisSize.SOURCE.of(1920, 1080));
        assertEquals(AnalysisSize.SOURCE, AnalysisSize.of(null, 320), "a detector that takes any size");
    }

    @Test
    void bothReadersKeepFramesScaledWithTheSourceSizeBesideThem() throws Exception {
        var source = TestConfigs.file("c", TestAssets.media("cam1.mp4").toString(), false, false);
        try (StreamReader grabber = FfmpegStreamReader.open(source, YOLOX_416);
             StreamReader own = NvdecStreamReader.open(source, YOLOX_416,
                     new NvdecDecoders(io.camflux.engine.config.DecodeConfig.Nvdec.DEFAULTS), s -> null, () -> { });
             StreamReader full = FfmpegStreamReader.open(source)) {
            StreamReader.DecodedImage a = grabber.next(pts -> true), b = own.next(pts -> true), f = full.next(pts -> true);
            try (Mat fromGrabber = a.image(); Mat fromOwn = b.image(); Mat original = f.image();
                 Mat resized = new Mat(); Mat diff = new Mat(); Size to = new Size(416, 312)) {
                for (StreamReader.DecodedImage d : List.of(a, b)) {
                    assertEquals(416, d.image().cols());
                    assertEquals(312, d.image().rows());
                    assertEquals(768, d.sourceWidth());
                    assertEquals(576, d.sourceHeight());
                }
                opencv_imgproc.resize(original, resized, to, 0, 0, opencv_imgproc.INTER_LINEAR);
                for (Mat scaled : List.of(fromGrabber, fromOwn)) {
                    opencv_core.absdiff(scaled, resized, diff);
                    double mean = opencv_core.mean(diff).get(0);
                    assertTrue(mean < 4, "the same picture, scaled: mean difference " + mean);
                }
            }
        }
    }

    @Test
    void detectionsOnScaledFramesAreTheSameBoxesInSourcePixels() throws Exception {
        var source = TestConfigs.file("c", TestAssets.media("vtest-720p.mp4").toString(), false, false);
        List<Mat> full = new ArrayList<>(), scaled = new ArrayList<>();
        double sx = 0, sy = 0;
        try (StreamReader a = FfmpegStreamReader.open(source); StreamReader b = FfmpegStreamReader.open(source, YOLOX_416)) {
            for (int i = 0; i < 40; i++) {
                boolean keep = i % 5 == 0;
                StreamReader.DecodedImage x = a.next(pts -> keep), y = b.next(pts -> keep);
                if (keep) {
                    full.add(x.image());
                    scaled.add(y.image());
                    sx = (double) y.sourceWidth() / y.image().cols();
                    sy = (double) y.sourceHeight() / y.image().rows();
                }
            }
        }
        int found = 0, matched = 0;
        try (OnnxDetector detector = OnnxDetector.open(TestAssets.defaultModel(), DetectorSettings.defaults())) {
            List<List<Detection>> onFull = detector.detect(full), onScaled = detector.detect(scaled);
            for (int i = 0; i < full.size(); i++) {
                for (Detection d : onFull.get(i)) {
                    found++;
                    for (Detection s : onScaled.get(i)) {
                        Detection back = new Detection(s.classId(), s.className(), s.confidence(), (float) (s.x1() * sx),
                                (float) (s.y1() * sy), (float) (s.x2() * sx), (float) (s.y2() * sy));
                        if (back.classId() == d.classId() && back.iou(d) > 0.8) {
                            matched++;
                            break;
                        }
                    }
                }
            }
        } finally {
            full.forEach(Mat::close);
            scaled.forEach(Mat::close);
        }
        assertTrue(found >= 20, "people are found: " + found);
        assertTrue(matched >= 0.9 * found, matched + " of " + found + " full-size detections found on scaled frames");
    }
}
