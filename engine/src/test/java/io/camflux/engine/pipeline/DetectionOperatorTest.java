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
    private final ExecutorService inferencePool = Executors.newSingleThreadExecutor();
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
        DetectionOperator<Integer> op = new DetectionOperator<>(detector, cpu, inference, 2, p -> { });
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
    void aFailedInferenceCarriesItsErrorAndPayload() {
        FrameDetector failing = images -> {
            throw new IllegalStateException("session failed");
        };
        DetectionOperator<Integer> op = new DetectionOperator<>(failing, cpu, inference, 1, p -> { });
        StepVerifier.create(Flux.just(batch(2)).transform(op))
                .assertNext(out -> {
                    assertEquals(2, out.payload());
                    assertNull(out.detections());
                    assertEquals("session failed", out.error().getMessage());
                })
                .verifyComplete();
    }
}
