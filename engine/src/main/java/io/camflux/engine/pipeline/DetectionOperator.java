package io.camflux.engine.pipeline;

import io.camflux.engine.FrameDetector;
import io.camflux.model.Detection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.bytedeco.opencv.opencv_core.Mat;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Batches of images through the detector in three overlapping stages: letterboxing of the next batches on
 * the CPU scheduler (up to {@code prepareAhead} at once), the session run on the inference thread, decoding
 * and NMS back on the CPU scheduler while the next batch runs. Order is kept. At most {@code prepareAhead}
 * + 2 batches hold detector buffers. A failing batch comes out with its error; the stream goes on.
 *
 * @param <T> what travels with each batch (the engine's frames, a bench's counters)
 */
public final class DetectionOperator<T> implements Function<Flux<DetectionOperator.Input<T>>, Flux<DetectionOperator.Output<T>>> {
    private final FrameDetector detector;
    private final Scheduler cpu;
    private final Scheduler inferenceThread;
    private final int prepareAhead;
    private final Consumer<T> onDiscard;

    /** @param onDiscard called with the payload of a batch dropped by cancellation */
    public DetectionOperator(FrameDetector detector, Scheduler cpu, Scheduler inferenceThread, int prepareAhead,
                             Consumer<T> onDiscard) {
        if (prepareAhead < 1) {
            throw new IllegalArgumentException("prepareAhead must be at least 1");
        }
        this.detector = detector;
        this.cpu = cpu;
        this.inferenceThread = inferenceThread;
        this.prepareAhead = prepareAhead;
        this.onDiscard = onDiscard;
    }

    public record Input<T>(T payload, List<Mat> images) {
    }

    /** @param detections null when {@code error} is set */
    public record Output<T>(T payload, List<List<Detection>> detections, long inferenceNanos, Throwable error) {
    }

    @Override
    public Flux<Output<T>> apply(Flux<Input<T>> batches) {
        return batches
                .flatMapSequential(this::prepareOnCpu, prepareAhead, 1)
                .publishOn(inferenceThread, 1)
                .map(InFlight::infer)
                .publishOn(cpu, 1)
                .map(InFlight::decode)
                .doOnDiscard(InFlight.class, this::discardInFlight)
                .doOnDiscard(Input.class, this::discardInput);
    }

    @SuppressWarnings("unchecked")
    private void discardInput(Input<?> input) {
        onDiscard.accept((T) input.payload());
    }

    @SuppressWarnings("unchecked")
    private void discardInFlight(InFlight<?> batch) {
        batch.close();
        onDiscard.accept((T) batch.payload);
    }

    /** A batch cancelled before its preparation started is discarded here, one that started by its result. */
    private Mono<InFlight<T>> prepareOnCpu(Input<T> input) {
        AtomicBoolean taken = new AtomicBoolean();
        return Mono.fromCallable(() -> taken.compareAndSet(false, true) ? prepare(input) : null)
                .subscribeOn(cpu)
                .doOnCancel(() -> {
                    if (taken.compareAndSet(false, true)) {
                        onDiscard.accept(input.payload());
                    }
                });
    }

    private InFlight<T> prepare(Input<T> input) {
        try {
            return new InFlight<>(input.payload(), detector.prepare(input.images()), null);
        } catch (Exception e) {
            return new InFlight<>(input.payload(), null, e);
        }
    }

    private static final class InFlight<T> {
        private final T payload;
        private final FrameDetector.Prepared prepared;
        private Throwable error;
        private long inferenceNanos;

        InFlight(T payload, FrameDetector.Prepared prepared, Throwable error) {
            this.payload = payload;
            this.prepared = prepared;
            this.error = error;
        }

        InFlight<T> infer() {
            if (error == null) {
                long start = System.nanoTime();
                try {
                    prepared.infer();
                } catch (Exception e) {
                    error = e;
                }
                inferenceNanos = System.nanoTime() - start;
            }
            return this;
        }

        Output<T> decode() {
            try {
                return error != null ? new Output<>(payload, null, inferenceNanos, error)
                        : new Output<>(payload, prepared.decode(), inferenceNanos, null);
            } catch (RuntimeException e) {
                return new Output<>(payload, null, inferenceNanos, e);
            } finally {
                close();
            }
        }

        void close() {
            if (prepared != null) {
                prepared.close();
            }
        }
    }
}
