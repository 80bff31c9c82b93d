package io.camflux.engine.pipeline;

import io.camflux.engine.FrameDetector;
import io.camflux.model.Detection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
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
        return Flux.defer(() -> {
            Preparations preparations = new Preparations();
            return batches
                    .flatMapSequential(preparations::start, prepareAhead, 1)
                    .publishOn(inferenceThread, 1)
                    .map(InFlight::infer)
                    .publishOn(cpu, 1)
                    .map(InFlight::decode)
                    .doOnDiscard(InFlight.class, this::discardInFlight)
                    .doOnDiscard(Input.class, this::discardInput)
                    .doFinally(signal -> preparations.cancelAll());
        });
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

    /**
     * The batches of one subscription whose preparation has not been delivered downstream yet. Reactor does
     * not hand everything to the discard hook on cancel: flatMapSequential drops a mapped publisher it never
     * subscribes, and a callable's value produced after a cancel is dropped too. So each preparation keeps
     * track of who owns its batch, and when the flux ends every one still pending is cancelled here.
     */
    private final class Preparations {
        private final Set<Preparation> pending = ConcurrentHashMap.newKeySet();
        private volatile boolean over;

        Mono<InFlight<T>> start(Input<T> input) {
            Preparation p = new Preparation(input);
            pending.add(p);
            if (over) {
                p.cancel();
            }
            return Mono.fromCallable(p::run)
                    .subscribeOn(cpu)
                    .doOnNext(prepared -> p.delivered())
                    .doOnCancel(p::cancel);
        }

        void cancelAll() {
            over = true;
            pending.forEach(Preparation::cancel);
        }

        /**
         * Cancelled before preparation, the input is discarded; during it, the preparation discards its own
         * result; after it but before delivery, the prepared batch is discarded. Once delivered, the operator's
         * queues own it.
         */
        private final class Preparation {
            private final Input<T> input;
            private final AtomicReference<Object> owner = new AtomicReference<>(Ownership.WAITING);

            Preparation(Input<T> input) {
                this.input = input;
            }

            InFlight<T> run() {
                if (!owner.compareAndSet(Ownership.WAITING, Ownership.PREPARING)) {
                    return null;
                }
                InFlight<T> prepared = prepare(input);
                if (!owner.compareAndSet(Ownership.PREPARING, prepared)) {
                    discardInFlight(prepared);
                    return null;
                }
                return prepared;
            }

            void delivered() {
                owner.set(Ownership.DELIVERED);
                pending.remove(this);
            }

            void cancel() {
                Object was = owner.getAndUpdate(o -> o == Ownership.DELIVERED ? o : Ownership.CANCELLED);
                pending.remove(this);
                if (was == Ownership.WAITING) {
                    onDiscard.accept(input.payload());
                } else if (was instanceof InFlight<?> prepared) {
                    discardInFlight(prepared);
                }
            }
        }
    }

    private enum Ownership { WAITING, PREPARING, DELIVERED, CANCELLED }

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
