package io.camflux.engine.pipeline;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.camflux.engine.CamFlux;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.EngineParts;
import io.camflux.engine.source.StreamReader;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/** A frame kept smaller than its source (decoded at the detector's size) still reports boxes in source pixels. */
class SourcePixelsTest {

    @Test
    void boxesOfAScaledDownFrameAreInSourcePixels() throws Exception {
        StreamReader.Opener quarterSize = source -> new StreamReader() {
            int next;

            @Override
            public DecodedImage next(java.util.function.LongPredicate wanted) {
                long pts = next * 40_000L;
                if (next++ >= 25) {
                    return null;
                }
                // a 64x48 picture kept at 32x12: x scaled by 2, y by 4
                return wanted.test(pts) ? new DecodedImage(new Mat(12, 32, CV_8UC3), pts, 64, 48)
                        : new DecodedImage(null, pts);
            }

            @Override
            public void rewind() {
            }

            @Override
            public double frameRate() {
                return 25;
            }

            @Override
            public String decoderName() {
                return "scaled";
            }

            @Override
            public void close() {
            }
        };
        var config = TestConfigs.shard(6, 8, List.of(TestConfigs.file("cam", "synthetic", false, false)));
        try (CamFlux engine = EngineParts.streamOpener(CamFlux.builder(config), quarterSize)
                .detector(FakeDetectors.fixedCost(0)).build()) {
            List<DetectionEvent> events = engine.detections().collectList().block(Duration.ofSeconds(30));
            assertEquals(6, events.size(), "6 frames of the second sampled");
            for (DetectionEvent e : events) {
                DetectionEvent.Box box = e.detections().get(0).box();
                // the fake detector finds (1, 2)-(3, 4) in the 32x12 image
                assertEquals(List.of(2f, 8f, 6f, 16f), List.of(box.x1(), box.y1(), box.x2(), box.y2()));
            }
        }
    }
}
