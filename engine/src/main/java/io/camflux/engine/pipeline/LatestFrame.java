package io.camflux.engine.pipeline;

import io.camflux.engine.DropReason;
import io.camflux.engine.source.VideoFrame;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The latest-wins slot between a live camera and the pipeline: the camera never waits; a frame the pipeline has not
 * taken yet is replaced by the next one and released as {@link DropReason#BACKPRESSURE}.
 * <p>
 * Reactor's {@code onBackpressureLatest} does the same but loses a frame that arrives after cancel (the camera's
 * thread was emitting it while the pipeline was cancelled): its drain loop returns on cancel without giving back its
 * work-in-progress mark, so the late frame is stored in the slot and never discarded (reactor-core #1649, declined).
 * Here the drain loop always gives its mark back, so whatever reaches the slot after cancel is released
 * ({@link DropReason#CANCELLED}).
 */
final class LatestFrame {
    private LatestFrame() {
    }

    static Flux<VideoFrame> of(Flux<VideoFrame> frames) {
        return frames.transform(Operators.<VideoFrame, VideoFrame>lift((scannable, actual) -> new Slot(actual)));
    }

    private static final class Slot implements CoreSubscriber<VideoFrame>, Subscription {
        private final CoreSubscriber<? super VideoFrame> actual;
        private final AtomicReference<VideoFrame> latest = new AtomicReference<>();
        private final AtomicInteger wip = new AtomicInteger();
        private final AtomicLong requested = new AtomicLong();
        private Subscription upstream;
        private volatile boolean done;
        private volatile boolean cancelled;
        private Throwable error;
        /** Only the drain loop reads and writes it. */
        private boolean terminated;

        Slot(CoreSubscriber<? super VideoFrame> actual) {
            this.actual = actual;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(VideoFrame frame) {
            VideoFrame replaced = latest.getAndSet(frame);
            if (replaced != null) {
                replaced.release(DropReason.BACKPRESSURE);
            }
            drain();
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            done = true;
            drain();
        }

        @Override
        public void onComplete() {
            done = true;
            drain();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                requested.getAndUpdate(r -> Operators.addCap(r, n));
                drain();
            }
        }

        @Override
        public void cancel() {
            if (!cancelled) {
                cancelled = true;
                upstream.cancel();
                drain();
            }
        }

        private void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                if (!cancelled && !terminated) {
                    emit();
                }
                if (cancelled || terminated) {
                    releaseHeld(DropReason.CANCELLED);
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        private void emit() {
            long emitted = 0;
            long wanted = requested.get();
            while (emitted != wanted && !cancelled) {
                VideoFrame next = latest.getAndSet(null);
                if (next == null) {
                    break;
                }
                actual.onNext(next);
                emitted++;
            }
            if (emitted != 0 && wanted != Long.MAX_VALUE) {
                requested.addAndGet(-emitted);
            }
            if (cancelled || !done) {
                return;
            }
            if (error != null) {
                terminated = true;
                actual.onError(error);
            } else if (latest.get() == null) {
                terminated = true;
                actual.onComplete();
            }
        }

        private void releaseHeld(DropReason reason) {
            VideoFrame held = latest.getAndSet(null);
            if (held != null) {
                held.release(reason);
            }
        }
    }
}
