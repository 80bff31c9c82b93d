package io.camflux.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraView;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.DropReason;
import io.camflux.engine.EngineParts;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.SyntheticStreams;
import io.camflux.engine.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Cameras far faster than the detector or the subscriber: frames are dropped at the source and counted,
 * what is in flight stays bounded, and every frame is released once.
 */
class BackpressureTest {
    private static final int CAMERAS = 3;
    private static final int BATCH = 4;
    /**
     * Per camera: the frame being handed over, the latest-wins slot and merge's one-frame prefetch; then whole
     * batches: the one filling, one requested ahead by bufferTimeout, one queued at the inference thread, one
     * queued for the events and the one being detected (plus one of slack: the ledger is read without a lock).
     */
    private static final long IN_FLIGHT_BOUND = CAMERAS * 3L + 6L * BATCH;
    private static final int FRAMES = 5_000;

    private static ShardConfig config() {
        List<io.camflux.engine.config.SourceConfig> sources = new ArrayList<>();
        for (int i = 0; i < CAMERAS; i++) {
            sources.add(TestConfigs.file("cam-" + i, "synthetic", false, true));
        }
        return TestConfigs.shard(1000, BATCH, sources);
    }


    private static long inFlight(CamFlux engine) {
        return engine.cameras().stream().mapToLong(c -> c.ledger().inFlight()).sum();
    }

    private static void assertAllReleasedAndDropsCounted(CamFlux engine, long events) {
        long inferred = 0, backpressure = 0, decoded = 0;
        for (CameraView c : engine.cameras()) {
            assertEquals(0, c.ledger().inFlight(), c.config().cameraUuid() + " released every frame");
            inferred += c.ledger().releasedCount(DropReason.INFERRED);
            backpressure += c.ledger().releasedCount(DropReason.BACKPRESSURE);
            decoded += c.ledger().decodedCount();
        }
        assertEquals((long) FRAMES * CAMERAS, decoded);
        assertTrue(backpressure > decoded / 2, "most frames dropped at the source: " + backpressure + " of " + decoded);
        assertEquals(inferred, events, "one event per inferred frame");
    }

    @Test
    void slowDetectorMakesCamerasDropAtTheSource() throws Exception {
        try (CamFlux engine = EngineParts.streamOpener(CamFlux.builder(config()), SyntheticStreams.opener(FRAMES, 1_000, 0))
                .detector(FakeDetectors.fixedCost(20)).build()) {
            AtomicLong maxInFlight = new AtomicLong();
            var watcher = Flux.interval(Duration.ofMillis(5)).subscribe(t ->
                    maxInFlight.accumulateAndGet(inFlight(engine), Math::max));
            long events = engine.detections().count().block(Duration.ofSeconds(60));
            watcher.dispose();
            assertTrue(maxInFlight.get() <= IN_FLIGHT_BOUND, "in flight at most " + maxInFlight.get());
            assertAllReleasedAndDropsCounted(engine, events);
        }
    }

    @Test
    void slowSubscriberHoldsBackTheWholePipeline() throws Exception {
        try (CamFlux engine = EngineParts.streamOpener(CamFlux.builder(config()), SyntheticStreams.opener(FRAMES, 1_000, 0))
                .detector(FakeDetectors.fixedCost(0)).build()) {
            AtomicLong maxInFlight = new AtomicLong();
            AtomicLong events = new AtomicLong();
            engine.detections()
                    .publishOn(Schedulers.boundedElastic(), 1)
                    .doOnNext(e -> {
                        maxInFlight.accumulateAndGet(inFlight(engine), Math::max);
                        sleep(2);
                    })
                    .doOnNext(e -> events.incrementAndGet())
                    .blockLast(Duration.ofSeconds(60));
            assertTrue(maxInFlight.get() <= IN_FLIGHT_BOUND, "in flight at most " + maxInFlight.get());
            assertAllReleasedAndDropsCounted(engine, events.get());
        }
    }

    @Test
    void aFileReadAtFullSpeedWaitsInsteadOfDropping() throws Exception {
        var config = TestConfigs.shard(1000, BATCH, List.of(TestConfigs.file("offline", "synthetic", false, false)));
        try (CamFlux engine = EngineParts.streamOpener(CamFlux.builder(config), SyntheticStreams.opener(500, 1_000, 0))
                .detector(FakeDetectors.fixedCost(2)).build()) {
            long events = engine.detections().count().block(Duration.ofSeconds(60));
            FrameLedgerAssert.noDrops(engine.cameras().get(0));
            assertEquals(500, events);
        }
    }

    private static final class FrameLedgerAssert {
        static void noDrops(CameraView camera) {
            assertEquals(500, camera.ledger().releasedCount(DropReason.INFERRED));
            assertEquals(0, camera.ledger().releasedCount(DropReason.BACKPRESSURE));
            assertEquals(0, camera.ledger().inFlight());
        }
    }

    @Test
    void anEngineNeverSubscribedClosesAtOnce() throws Exception {
        CamFlux engine = EngineParts.streamOpener(CamFlux.builder(config()), SyntheticStreams.opener(10, 1_000, 0))
                .detector(FakeDetectors.fixedCost(0)).build();
        long start = System.nanoTime();
        engine.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close does not wait for a pipeline that never ran");
        assertEquals(0, inFlight(engine));
    }

    @Test
    void cancellingReleasesEverythingInFlight() throws Exception {
        try (CamFlux engine = EngineParts.streamOpener(CamFlux.builder(config()), SyntheticStreams.opener(1_000_000, 1_000, 0))
                .detector(FakeDetectors.fixedCost(10)).build()) {
            List<DetectionEvent> some = engine.detections().take(20).collectList().block(Duration.ofSeconds(30));
            assertEquals(20, some.size());
            engine.finished().block(Duration.ofSeconds(10));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (inFlight(engine) != 0 && System.nanoTime() < deadline) {
                sleep(10);
            }
            assertEquals(0, inFlight(engine), "frames held by operators were released on cancel");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
