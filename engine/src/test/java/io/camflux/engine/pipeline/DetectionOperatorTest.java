package io.camflux.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.FrameDetector;
import io.camflux.model.Detection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class DetectionOperatorTest {
    private final ExecutorService cpuPool = Executors.newFixedThreadPool(3);
    private final ExecutorService inferencePool = Executors.newFixedThreadPool(3);
    private final Scheduler cpu = Schedulers.fromExecutorService(cpuPool);
    private final Scheduler inference = Schedulers.fromExecutorService(inferencePool);

    @AfterEach
    void stop() {
        cpu.dispose();
        inference.dispose();
    }

    /** Prepares slowly on the CPU threads, infers slowly on the inference thread; batch 3 fails to prepare. */
    private static final class SlowStages implements FrameDetector {
        final AtomicInteger overlapped = new AtomicInteger();
        final List<Integer> inferred = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger inferring = new AtomicInteger();

        @Override
        public List<List<Detection>> detect(List<Mat> images) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Prepared prepare(List<Mat> images) throws Exception {
            int id = images.size();
            if (id == 3) {
                throw new IllegalStateException("cannot prepare batch 3");
            }
            Thread.sleep(20);
            if (inferring.get() > 0) {
                overlapped.incrementAndGet();
            }
            return new Prepared() {
                @Override
                public void infer() throws Exception {
                    inferring.incrementAndGet();
                    Thread.sleep(30);
                    inferred.add(id);
                    inferring.decrementAndGet();
                }

                @Override
                public List<List<Detection>> decode() {
                    return Collections.nCopies(id, List.of());
                }
            };
        }
    }

    private static DetectionOperator.Input<Integer> batch(int size) {
        return new DetectionOperator.Input<>(size, Collections.nCopies(size, (Mat) null));
    }

    @Test
    void keepsOrderOverlapsPreparationWithInferenceAndSurvivesAFailingBatch() {
        SlowStages detector = new SlowStages();
        DetectionOperator<Integer> op = new DetectionOperator<>(detector, cpu, inference, 2, 1, p -> { });
        List<Integer> sizes = List.of(1, 2, 3, 4, 5, 6, 7, 8);
        StepVerifier.create(Flux.fromIterable(sizes).map(DetectionOperatorTest::batch).transform(op)
                        .map(out -> out.error() != null ? -out.payload() : out.detections().size()))
                .expectNext(1, 2, -3, 4, 5, 6, 7, 8)
                .expectComplete()
                .verify(Duration.ofSeconds(20));
        assertEquals(List.of(1, 2, 4, 5, 6, 7, 8), detector.inferred, "inferred in order, the failed batch skipped");
        assertTrue(detector.overlapped.get() >= 3, "batches were letterboxed while another ran: " + detector.overlapped);
    }

    @Test
    void twoLanesRunTwoBatchesAtOnceAndKeepTheOrder() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        FrameDetector slowOnOddBatches = images -> {
            int now = running.incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            // odd batches take longer, so an even one started after it finishes first
            Thread.sleep(images.size() % 2 == 1 ? 60 : 10);
            running.decrementAndGet();
            return Collections.nCopies(images.size(), List.of());
        };
        DetectionOperator<Integer> op = new DetectionOperator<>(slowOnOddBatches, cpu, inference, 3, 2, p -> { });
        List<Integer> sizes = List.of(1, 2, 3, 4, 5, 6, 7, 8);
        StepVerifier.create(Flux.fromIterable(sizes).map(DetectionOperatorTest::batch).transform(op)
                        .map(out -> out.detections().size()))
                .expectNextSequence(sizes)
                .expectComplete()
                .verify(Duration.ofSeconds(20));
        assertEquals(2, mostAtOnce.get(), "two lanes: two session runs at once, never more");
    }

    @Test
    void aFailedInferenceCarriesItsErrorAndPayload() {
        FrameDetector failing = images -> {
            throw new IllegalStateException("session failed");
        };
        DetectionOperator<Integer> op = new DetectionOperator<>(failing, cpu, inference, 1, 1, p -> { });
        StepVerifier.create(Flux.just(batch(2)).transform(op))
                .assertNext(out -> {
                    assertEquals(2, out.payload());
                    assertNull(out.detections());
                    assertEquals("session failed", out.error().getMessage());
                })
                .verifyComplete();
    }

    /** Counts every prepared batch's closing, and fails inference on one closed before it ran. */
    private static final class CountingStages implements FrameDetector {
        final AtomicInteger prepared = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger closeCalls = new AtomicInteger();
        final AtomicInteger usedAfterClose = new AtomicInteger();

        @Override
        public List<List<Detection>> detect(List<Mat> images) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Prepared prepare(List<Mat> images) {
            prepared.incrementAndGet();
            AtomicInteger closes = new AtomicInteger();
            return new Prepared() {
                @Override
                public void infer() {
                    if (closes.get() > 0) {
                        usedAfterClose.incrementAndGet();
                    }
                    Thread.onSpinWait();
                }

                @Override
                public List<List<Detection>> decode() {
                    return List.of(List.of());
                }

                @Override
                public void close() {
                    closeCalls.incrementAndGet();
                    if (closes.incrementAndGet() == 1) {
                        closed.incrementAndGet();
                    }
                }
            };
        }
    }

    @Test
    void cancellingAtAnyPointHandsEveryBatchOnOrDiscardsItExactlyOnce() throws Exception {
        for (int round = 0; round < 300; round++) {
            CountingStages detector = new CountingStages();
            Map<Integer, Integer> ends = new ConcurrentHashMap<>();
            Set<Integer> emitted = ConcurrentHashMap.newKeySet();
            DetectionOperator<Integer> op = new DetectionOperator<>(detector, cpu, inference, 3, 1 + round % 3,
                    id -> ends.merge(id, 1, Integer::sum));
            Flux.range(0, 10_000)
                    .doOnNext(emitted::add)
                    .map(id -> new DetectionOperator.Input<>(id, Collections.singletonList((Mat) null)))
                    .transform(op)
                    .doOnNext(out -> ends.merge(out.payload(), 1, Integer::sum))
                    .take(round % 17)
                    .blockLast(Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while ((ends.size() < emitted.size() || detector.closed.get() < detector.prepared.get())
                    && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            String where = "round " + round;
            assertEquals(emitted, ends.keySet(), where + ": every batch came out or was discarded");
            ends.forEach((id, n) -> assertEquals(1, n, where + ": batch " + id + " ended once"));
            assertEquals(detector.prepared.get(), detector.closed.get(), where + ": every prepared batch closed");
            assertEquals(detector.prepared.get(), detector.closeCalls.get(), where + ": and closed only once");
            assertEquals(0, detector.usedAfterClose.get(), where + ": no batch closed before its inference");
        }
    }

    /** A detector that cannot take images narrower than 10 pixels (as preprocessing once failed on tiny frames). */
    private static final class RefusesTinyImages implements FrameDetector {
        final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public List<List<Detection>> detect(List<Mat> images) {
            batchSizes.add(images.size());
            List<List<Detection>> out = new ArrayList<>();
            for (Mat m : images) {
                if (m.cols() < 10) {
                    throw new IllegalArgumentException("image too small: " + m.cols());
                }
                out.add(List.of(new Detection(0, "person", 0.9f, 0, 0, m.cols(), m.rows())));
            }
            return out;
        }

        @Override
        public Prepared prepare(List<Mat> images) throws Exception {
            for (Mat m : images) {
                if (m.cols() < 10) {
                    throw new IllegalArgumentException("image too small: " + m.cols());
                }
            }
            return FrameDetector.super.prepare(images);
        }
    }

    @Test
    void aFrameThatCannotBePreparedCostsOnlyItselfNotItsBatchMates() {
        RefusesTinyImages detector = new RefusesTinyImages();
        DetectionOperator<String> operator = new DetectionOperator<>(detector, cpu, inference, 2, 1, p -> { });
        List<Mat> images = List.of(new Mat(20, 40, org.bytedeco.opencv.global.opencv_core.CV_8UC3),
                new Mat(16, 4, org.bytedeco.opencv.global.opencv_core.CV_8UC3),
                new Mat(30, 50, org.bytedeco.opencv.global.opencv_core.CV_8UC3));
        StepVerifier.create(operator.apply(Flux.just(new DetectionOperator.Input<>("b", images))))
                .assertNext(out -> {
                    assertNull(out.error(), "the batch did not fail");
                    assertEquals(3, out.frameErrors().size());
                    assertNull(out.frameErrors().get(0));
                    assertTrue(out.frameErrors().get(1).getMessage().contains("too small"));
                    assertNull(out.frameErrors().get(2));
                    assertEquals(40f, out.detections().get(0).get(0).x2(), "the first frame's own detections");
                    assertNull(out.detections().get(1));
                    assertEquals(50f, out.detections().get(2).get(0).x2(), "the third frame's own detections");
                })
                .verifyComplete();
        assertEquals(List.of(2), detector.batchSizes, "the two good frames ran as one batch");
        images.forEach(Mat::close);
    }
}
