package io.camflux.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.CameraView;
import io.camflux.engine.source.DropReason;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.SyntheticStreams;
import io.camflux.engine.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Many live cameras in front of a detector that takes a fixed time per batch: whatever the pipeline around it
 * does, it must hand the detector every sampled frame it can take, so the detected rate is the smaller of the
 * sampled rate and the detector's capacity. (On the GPU host the engine once detected a batch a second in front
 * of a 7 ms session; this checks that the pipeline itself is not what starves it.) Rates, not wall-clock limits.
 */
class DetectorStarvationTest {


    /** cameras, batch.max_size, ms per batch: far more capacity than frames; less capacity than frames; many cameras */
    @ParameterizedTest
    @CsvSource({"48,32,5", "48,8,40", "96,32,5"})
    void detectedRateIsTheSmallerOfSampledAndCapacity(int cameras, int batch, long millisPerBatch) throws Exception {
        List<SourceConfig> sources = new ArrayList<>();
        for (int i = 0; i < cameras; i++) {
            sources.add(TestConfigs.file("cam-" + i, "synthetic", false, true));
        }
        var config = TestConfigs.shard(6, batch, sources);
        try (CamFlux engine = CamFlux.builder(config)
                .streamOpener(SyntheticStreams.opener(25 * 12, 40_000, 0))
                .detector(FakeDetectors.fixedCost(millisPerBatch)).build()) {
            long start = System.nanoTime();
            long events = engine.detections().count().block(Duration.ofSeconds(60));
            double secs = (System.nanoTime() - start) / 1e9;
            long sampled = 0, inferred = 0, bp = 0;
            for (CameraView c : engine.cameras()) {
                sampled += c.ledger().decodedCount() - c.ledger().releasedCount(DropReason.SAMPLED_OUT);
                inferred += c.ledger().releasedCount(DropReason.INFERRED);
                bp += c.ledger().releasedCount(DropReason.BACKPRESSURE);
            }
            var bs = engine.meterRegistry().find("batch.size").summary();
            String figures = String.format(Locale.ROOT, "%d cameras, batch %d, %d ms per batch: %.1f s, sampled %d "
                    + "(%.0f/s), detected %d (%.0f/s), backpressure %d, batches %d of %.1f", cameras, batch,
                    millisPerBatch, secs, sampled, sampled / secs, inferred, inferred / secs, bp, bs.count(), bs.mean());
            double capacity = batch * 1000.0 / millisPerBatch;
            double expected = Math.min(sampled / secs, capacity);
            assertTrue(inferred / secs >= 0.85 * expected, "detected at least 0.85 of " + Math.round(expected)
                    + "/s: " + figures);
            assertEquals(sampled, inferred + bp, "every sampled frame is detected or dropped as backpressure: " + figures);
            assertEquals(inferred, events, "one event per detected frame");
            assertEquals(cameras * 6L * 12, sampled, "6 of every 25 frames sampled for 12 s: " + figures);
        }
    }
}
