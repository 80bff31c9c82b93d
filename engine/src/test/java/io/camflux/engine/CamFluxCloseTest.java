package io.camflux.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.SyntheticStreams;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.Detection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/** Closing an engine: once does everything, again does nothing. */
class CamFluxCloseTest {

    @Test
    void closingTwiceClosesTheDetectorOnceAndLeavesNoFrameInFlight() throws Exception {
        AtomicInteger closes = new AtomicInteger();
        FrameDetector inner = FakeDetectors.fixedCost(1);
        FrameDetector counted = new FrameDetector() {
            @Override
            public List<List<Detection>> detect(List<Mat> images) throws Exception {
                return inner.detect(images);
            }

            @Override
            public void close() {
                closes.incrementAndGet();
            }
        };
        CamFlux engine = CamFlux.builder(TestConfigs.shard(25, 4, List.of(TestConfigs.file("a", "a.mp4", true, false),
                        TestConfigs.file("b", "b.mp4", true, false))))
                .streamOpener(SyntheticStreams.opener(Long.MAX_VALUE, 40_000, 500))
                .detector(counted).build();
        List<DetectionEvent> events = engine.detections().take(20).collectList().block(Duration.ofSeconds(30));
        assertEquals(20, events.size());
        engine.close();
        engine.close();
        assertEquals(1, closes.get(), "the detector is closed once");
        for (CameraView c : engine.cameras()) {
            assertEquals(0, c.ledger().inFlight(), c.cameraUuid() + ": " + c.ledger().snapshot());
            assertTrue(c.ledger().releasedCount(DropReason.INFERRED) > 0);
        }
        engine.close();
        assertEquals(1, closes.get());
    }
}
