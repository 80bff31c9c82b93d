package io.camflux.engine.pipeline;

import io.camflux.engine.FrameDetector;
import io.camflux.model.Detection;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.bytedeco.opencv.opencv_core.Mat;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Batches of images through the detector in three overlapping stages: letterboxing of the next batches on
 * the CPU scheduler (up to {@code prepareAhead} at once), session runs on the inference threads (up to
 * {@code inferenceLanes} at once), decoding and NMS back on the CPU scheduler while the next batches run. Order
 * is kept. At most {@code prepareAhead + inferenceLanes + 2} batches hold detector buffers. A failing batch comes
 * out with its error; the stream goes on.
 *
 * @param <T> what travels with each batch (the engine's frames, a bench's counters)
 */
public final class DetectionOperator<T> implements Function<Flux<DetectionOperator.Input<T>>, Flux<DetectionOperator.Output<T>>> {
    private final FrameDetector detector;
    private final Scheduler cpu;
    private final Scheduler inferenceThreads;
    private final int prepareAhead;
    private final int inferenceLanes;
    private final Consumer<T> onDiscard;

    /**
     * @param inferenceThreads runs the session; needs at least {@code inferenceLanes} threads
     * @param onDiscard        called with the payload of a batch dropped by cancellation
     */
    public DetectionOperator(FrameDetector detector, Scheduler cpu, Scheduler inferenceThreads, int prepareAhead,
                             int inferenceLanes, Consumer<T> onDiscard) {
        if (prepareAhead < 1 || inferenceLanes < 1) {
            throw new IllegalArgumentException("prepareAhead and inferenceLanes must be at least 1");
        }
        this.detector = detector;
        this.cpu = cpu;
        this.inferenceThreads = inferenceThreads;
        this.prepareAhead = prepareAhead;
        this.inferenceLanes = inferenceLanes;
        this.onDiscard = onDiscard;
    }

    public record Input<T>(T payload, List<Mat> images) {
    }

    /**
     * @param detections  null when {@code error} is set; an entry is null for a frame of {@code frameErrors}
     * @param frameErrors null when every frame was prepared; else, per frame, why it could not be (null: it was).
     *                    A frame that cannot be prepared costs only itself: its batch-mates are detected.
     */
    public record Output<T>(T payload, List<List<Detection>> detections, long inferenceNanos, Throwable error,
                            List<Throwable> frameErrors) {
        public Output(T payload, List<List<Detection>> detections, long inferenceNanos, Throwable error) {
            this(payload, detections, inferenceNanos, error, null);
        }
    }

    @Override
    public Flux<Output<T>> apply(Flux<Input<T>> inputs) {
        return Flux.defer(() -> {
            LiveBatches live = new LiveBatches();
            return inputs
                    .map(live::admit)
                    .flatMapSequential(batch -> step(batch, InFlight::prepare, cpu), prepareAhead, 1)
                    .flatMapSequential(batch -> step(batch, InFlight::infer, inferenceThreads), inferenceLanes, 1)
                    .publishOn(cpu, 1)
                    .<Output<T>>handle((batch, sink) -> {
                        Output<T> out = batch.finish();
                        if (out != null) {
                            sink.next(out);
                        }
                    })
                    .doOnDiscard(InFlight.class, batch -> batch.cancel())
                    .doOnDiscard(Input.class, input -> discardInput(input))
                    .doFinally(signal -> live.cancelAll());
        });
    }

    private Mono<InFlight> step(InFlight batch, Consumer<InFlight> work, Scheduler on) {
        return Mono.fromCallable(() -> batch.run(work) ? batch : null).subscribeOn(on);
    }

    @SuppressWarnings("unchecked")
    private void discardInput(Input<?> input) {
        onDiscard.accept((T) input.payload());
    }

    /**
     * Every batch of one subscription from its admission until it comes out or is discarded. Reactor does not
     * hand everything to the discard hook on cancel: flatMapSequential neither discards what its inner queues hold
     * nor a value a cancelled inner produces, and drops a mapped publisher it never subscribes. So when the flux
     * ends, every batch still here is cancelled.
     */
    private final class LiveBatches {
        private final Set<InFlight> batches = ConcurrentHashMap.newKeySet();
        private volatile boolean over;

        InFlight admit(Input<T> input) {
            InFlight batch = new InFlight(input, this);
            batches.add(batch);
            if (over) {
                batch.cancel();
            }
            return batch;
        }

        void forget(InFlight batch) {
            batches.remove(batch);
        }

        void cancelAll() {
            over = true;
            batches.forEach(InFlight::cancel);
        }

        void discard(InFlight batch) {
            batch.release();
            onDiscard.accept(batch.input.payload());
            forget(batch);
        }
    }

    /**
     * A batch between the stages. Idle while it waits in a queue, busy while a stage works on it, closed once it
     * came out or was discarded. A cancel discards an idle batch at once and a busy one when its stage ends, so its
     * buffers are never freed under a running session and it ends exactly once.
     */
    private final class InFlight {
        private static final int IDLE = 0;
        private static final int BUSY = 1;
        private static final int CANCELLING = 2;
        private static final int CLOSED = 3;

        private final Input<T> input;
        private final LiveBatches live;
        private final AtomicInteger state = new AtomicInteger(IDLE);
        private FrameDetector.Prepared prepared;
        private Throwable error;
        /** Null, or per image why it could not be prepared (null for those that were). */
        private List<Throwable> frameErrors;
        private long inferenceNanos;

        InFlight(Input<T> input, LiveBatches live) {
            this.input = input;
            this.live = live;
        }

        /** Runs one stage; false when the batch was discarded (before, or because of a cancel during it). */
        boolean run(Consumer<InFlight> work) {
            if (!state.compareAndSet(IDLE, BUSY)) {
                return false;
            }
            work.accept(this);
            return endStage(IDLE);
        }

        /** Leaves BUSY for {@code next}; a cancel that came during the stage discards the batch instead. */
        private boolean endStage(int next) {
            if (state.compareAndSet(BUSY, next)) {
                return true;
            }
            state.set(CLOSED);
            live.discard(this);
            return false;
        }

        void prepare() {
            try {
                prepared = detector.prepare(input.images());
            } catch (Exception e) {
                isolate(e);
            }
        }

        /**
         * The batch could not be prepared: each image alone finds the ones at fault, and the batch goes on without
         * them. When none fails alone, the failure is the batch's.
         */
        private void isolate(Exception batchFailure) {
            List<Mat> images = input.images();
            Throwable[] failures = new Throwable[images.size()];
            List<Mat> good = new ArrayList<>(images.size());
            boolean anyBad = false;
            for (int i = 0; i < images.size(); i++) {
                try (FrameDetector.Prepared alone = detector.prepare(java.util.Collections.singletonList(images.get(i)))) {
                    good.add(images.get(i));
                } catch (Exception e) {
                    failures[i] = e;
                    anyBad = true;
                }
            }
            if (!anyBad) {
                error = batchFailure;
                return;
            }
            frameErrors = java.util.Arrays.asList(failures);
            if (good.isEmpty()) {
                return;
            }
            try {
                prepared = detector.prepare(good);
            } catch (Exception e) {
                error = e;
            }
        }

        void infer() {
            if (error != null || prepared == null) {
                return;
            }
            long start = System.nanoTime();
            try {
                prepared.infer();
            } catch (Exception e) {
                error = e;
            }
            inferenceNanos = System.nanoTime() - start;
        }

        /** Decodes and frees the buffers; null when a cancel came first (the payload was discarded then). */
        Output<T> finish() {
            if (!state.compareAndSet(IDLE, BUSY)) {
                return null;
            }
            Output<T> out = decode();
            if (!endStage(CLOSED)) {
                return null;
            }
            release();
            live.forget(this);
            return out;
        }

        private Output<T> decode() {
            T payload = input.payload();
            if (error != null) {
                return new Output<>(payload, null, inferenceNanos, error);
            }
            try {
                if (frameErrors == null) {
                    return new Output<>(payload, prepared.decode(), inferenceNanos, null);
                }
                List<List<Detection>> decoded = prepared == null ? List.of() : prepared.decode();
                List<List<Detection>> all = new ArrayList<>(frameErrors.size());
                int next = 0;
                for (Throwable failure : frameErrors) {
                    all.add(failure == null ? decoded.get(next++) : null);
                }
                return new Output<>(payload, all, inferenceNanos, null, frameErrors);
            } catch (RuntimeException e) {
                return new Output<>(payload, null, inferenceNanos, e);
            }
        }

        void cancel() {
            while (true) {
                int now = state.get();
                if (now == IDLE && state.compareAndSet(IDLE, CLOSED)) {
                    live.discard(this);
                    return;
                }
                if (now == BUSY && state.compareAndSet(BUSY, CANCELLING)) {
                    return;
                }
                if (now == CANCELLING || now == CLOSED) {
                    return;
                }
            }
        }

        void release() {
            if (prepared != null) {
                prepared.close();
            }
        }
    }
}
