package io.camflux.engine.pipeline;

import io.camflux.engine.FrameDetector;
import io.camflux.model.Detection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
                    .<InFlight<T>>handle((batch, sink) -> {
                        if (batch.take()) {
                            sink.next(batch.infer());
                        }
                    })
                    .publishOn(cpu, 1)
                    .map(InFlight::decode)
                    .doOnDiscard(InFlight.class, InFlight::discard)
                    .doOnDiscard(Input.class, this::discardInput)
                    .doFinally(signal -> preparations.cancelAll());
        });
    }

    @SuppressWarnings("unchecked")
    private void discardInput(Input<?> input) {
        onDiscard.accept((T) input.payload());
    }

    /**
     * The batches of one subscription that the inference stage has not taken yet. Reactor does not hand
     * everything to the discard hook on cancel: flatMapSequential drops a mapped publisher it never subscribes,
     * a callable's value produced after a cancel is dropped, and so is a value on its way into
     * flatMapSequential's queue while that queue is cleared. So each preparation keeps track of who owns its
     * batch, and when the flux ends every batch not yet taken is discarded here.
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
                    .doOnCancel(p::cancel);
        }

        void cancelAll() {
            over = true;
            pending.forEach(Preparation::cancel);
        }

        /**
         * Cancelled before preparation, the input is discarded; during it, the preparation discards its own
         * result; after it, the prepared batch is discarded unless the inference stage has taken it.
         */
        private final class Preparation {
            private static final Object WAITING = new Object();
            private static final Object PREPARING = new Object();
            private static final Object CANCELLED = new Object();

            private final Input<T> input;
            private final AtomicReference<Object> state = new AtomicReference<>(WAITING);

            Preparation(Input<T> input) {
                this.input = input;
            }

            InFlight<T> run() {
                if (!state.compareAndSet(WAITING, PREPARING)) {
                    return null;
                }
                InFlight<T> prepared = prepare(input, () -> pending.remove(this));
                if (!state.compareAndSet(PREPARING, prepared)) {
                    prepared.discard();
                    return null;
                }
                return prepared;
            }

            void cancel() {
                Object was = state.getAndSet(CANCELLED);
                pending.remove(this);
                if (was == WAITING) {
                    onDiscard.accept(input.payload());
                } else if (was instanceof InFlight<?> prepared) {
                    prepared.discardIfNotTaken();
                }
            }
        }
    }

    private InFlight<T> prepare(Input<T> input, Runnable onTaken) {
        try {
            return new InFlight<>(input.payload(), detector.prepare(input.images()), null, onTaken, onDiscard);
        } catch (Exception e) {
            return new InFlight<>(input.payload(), null, e, onTaken, onDiscard);
        }
    }

    /**
     * A prepared batch. Until the inference stage takes it, whoever cancels may discard it; once taken, the
     * stages own it and it is closed by decoding or by a discard hook. Either way exactly once.
     */
    private static final class InFlight<T> {
        private static final int READY = 0;
        private static final int TAKEN = 1;
        private static final int CLOSED = 2;

        private final T payload;
        private final FrameDetector.Prepared prepared;
        private final Runnable onTaken;
        private final Consumer<T> onDiscard;
        private final AtomicInteger state = new AtomicInteger(READY);
        private Throwable error;
        private long inferenceNanos;

        InFlight(T payload, FrameDetector.Prepared prepared, Throwable error, Runnable onTaken, Consumer<T> onDiscard) {
            this.payload = payload;
            this.prepared = prepared;
            this.error = error;
            this.onTaken = onTaken;
            this.onDiscard = onDiscard;
        }

        /** Whether the inference stage now owns this batch (false when a cancel discarded it first). */
        boolean take() {
            if (!state.compareAndSet(READY, TAKEN)) {
                return false;
            }
            onTaken.run();
            return true;
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

        void discardIfNotTaken() {
            if (state.compareAndSet(READY, CLOSED)) {
                release();
                onDiscard.accept(payload);
            }
        }

        /** From a discard hook: the batch sat in a queue, taken or not. */
        void discard() {
            if (state.getAndSet(CLOSED) != CLOSED) {
                release();
                onDiscard.accept(payload);
            }
        }

        private void close() {
            if (state.getAndSet(CLOSED) != CLOSED) {
                release();
            }
        }

        private void release() {
            if (prepared != null) {
                prepared.close();
            }
        }
    }
}
