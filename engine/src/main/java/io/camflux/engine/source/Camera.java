package io.camflux.engine.source;

import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.config.SourceConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * One camera as a {@code Flux} of decoded frames. Connecting, reading and closing happen on the camera's own
 * thread ({@code grabThread}); failures reconnect with backoff, and every state change is published on
 * {@link #statuses()}. A camera that gives up completes: it never fails the pipeline.
 */
public final class Camera {
    private static final Logger log = LoggerFactory.getLogger(Camera.class);
    /**
     * STREAMING is announced once the decoded rate has been measured over this many frames (an RTSP stream
     * starts with a burst, so fewer would overstate it).
     */
    private static final int FRAMES_BEFORE_STREAMING = 10;

    private final SourceConfig config;
    private final StreamReader.Opener opener;
    private final Backoff backoff;
    private final Scheduler grabThread;
    private final Scheduler timer;
    private final Clock clock;
    private final FrameLedger ledger;
    private final RateMeter decodedRate = new RateMeter(TimeUnit.SECONDS.toNanos(5));
    private final RateMeter inferredRate = new RateMeter(TimeUnit.SECONDS.toNanos(5));
    private final AtomicLong nextFrameId = new AtomicLong();
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private final AtomicReference<CameraState> state = new AtomicReference<>();
    private final AtomicLong lastFrameEpochMs = new AtomicLong();
    private final Sinks.Many<CameraStatus> statuses = Sinks.many().replay().latest();
    /** How the current run ends when the camera set stops it (paused, removed, replaced); else DISCONNECTED. */
    private volatile CameraState endState = CameraState.DISCONNECTED;
    private volatile String endReason;

    public Camera(SourceConfig config, StreamReader.Opener opener, Backoff backoff, Scheduler grabThread,
                  Scheduler timer, Clock clock, FrameLedger ledger) {
        this.config = config;
        this.opener = opener;
        this.backoff = backoff;
        this.grabThread = grabThread;
        this.timer = timer;
        this.clock = clock;
        this.ledger = ledger;
    }

    /**
     * Frames until the stream ends for good (a file without loop, or reconnects exhausted); cold. Every frame
     * is decoded, but only those whose media time {@code wanted} accepts become images and are emitted; the
     * others are counted as {@link DropReason#SAMPLED_OUT} on the spot.
     */
    public Flux<VideoFrame> frames(LongPredicate wanted) {
        return frames(wanted, Mono.never());
    }

    /**
     * As above, ending when {@code stop} completes: the reader completes the flux itself, on the camera's thread,
     * before its next frame (or at once while it waits to reconnect). Cancelling from outside instead would race
     * a frame being emitted into a downstream that has already completed, where it would never be released.
     */
    public Flux<VideoFrame> frames(LongPredicate wanted, Mono<Void> stop) {
        return Flux.defer(() -> {
            AtomicBoolean stopping = new AtomicBoolean();
            AtomicBoolean ended = new AtomicBoolean();
            reactor.core.Disposable watch = stop.subscribe(null, e -> stopping.set(true), () -> stopping.set(true));
            endState = CameraState.DISCONNECTED;
            endReason = null;
            return Flux.defer(() -> connection(wanted, stopping))
                    // a stop while waiting to reconnect ends the companion, and with it the retries
                    .retryWhen(Retry.from(failures -> failures.takeUntilOther(stop)
                            .concatMap(signal -> reconnectAfter(signal.failure()).takeUntilOther(stop))))
                    .onErrorResume(e -> {
                        log.error("camera {}: giving up after {} failures in a row: {}", config.cameraUuid(),
                                failuresInARow.get(), e.getMessage());
                        return Flux.empty();
                    })
                    // the last state before the run's end reaches downstream (a doFinally here would run after it)
                    .doOnTerminate(() -> endRun(ended, watch))
                    .doOnCancel(() -> endRun(ended, watch));
        });
    }

    private void endRun(AtomicBoolean ended, reactor.core.Disposable watch) {
        if (ended.compareAndSet(false, true)) {
            watch.dispose();
            publish(endState, null, null, -1, endReason);
        }
    }

    private Flux<VideoFrame> connection(LongPredicate wanted, AtomicBoolean stopping) {
        return Flux.<VideoFrame, Session>generate(this::connect,
                        (session, sink) -> readNext(session, sink, wanted, stopping), Session::close)
                .subscribeOn(grabThread);
    }

    private Session connect() throws Exception {
        publish(failuresInARow.get() == 0 ? CameraState.CONNECTING : CameraState.RECONNECTING, null, null, -1);
        log.info("camera {}: connecting to {}", config.cameraUuid(), config.redactedUrl());
        return new Session(opener.open(config));
    }

    private Session readNext(Session session, SynchronousSink<VideoFrame> sink, LongPredicate wanted,
                             AtomicBoolean stopping) {
        try {
            StreamReader.DecodedImage decoded;
            while (true) {
                if (stopping.get()) {
                    sink.complete();
                    return session;
                }
                decoded = nextDecoded(session, pts -> wanted.test(session.ptsOffset + pts));
                if (decoded == null) {
                    if (config.isFile()) {
                        log.info("camera {}: end of file", config.cameraUuid());
                        sink.complete();
                    } else {
                        sink.error(new StreamError(StreamError.EOF, "the stream ended", null));
                    }
                    return session;
                }
                long now = System.nanoTime();
                decodedRate.record(now);
                lastFrameEpochMs.set(clock.millis());
                session.lastPts = session.ptsOffset + decoded.ptsMicros();
                if (!decoded.skipped()) {
                    break;
                }
                ledger.skippedAtSource();
                announceStreaming(session);
            }
            long pts = session.lastPts;
            if ((config.isFile() && config.realtime() && !session.pace(pts)) || stopping.get()) {
                decoded.image().close();
                sink.complete();
                return session;
            }
            VideoFrame frame = new VideoFrame(config.cameraUuid(), nextFrameId.getAndIncrement(), pts,
                    System.nanoTime(), clock.millis(), decoded.image(), decoded.sourceWidth(), decoded.sourceHeight(),
                    ledger, this);
            announceStreaming(session);
            sink.next(frame);
        } catch (Exception e) {
            sink.error(StreamError.classify(e));
        }
        return session;
    }

    /** The next frame, starting the file again at its end when it loops; null at the end of the stream. */
    private StreamReader.DecodedImage nextDecoded(Session session, LongPredicate wanted) throws Exception {
        StreamReader.DecodedImage decoded = session.reader.next(wanted);
        if (decoded == null && config.isFile() && config.loop()) {
            session.ptsOffset = session.lastPts + session.frameIntervalMicros();
            session.reader.rewind();
            decoded = session.reader.next(wanted);
        }
        return decoded;
    }

    private void announceStreaming(Session session) {
        if (!session.streaming && ++session.frames >= FRAMES_BEFORE_STREAMING) {
            session.streaming = true;
            failuresInARow.set(0);
            publish(CameraState.STREAMING, null, null, -1);
            log.info("camera {}: streaming at {} fps", config.cameraUuid(),
                    String.format("%.1f", session.reader.frameRate()));
        }
    }

    private Mono<Long> reconnectAfter(Throwable failure) {
        StreamError error = StreamError.classify(failure);
        int failures = failuresInARow.incrementAndGet();
        if (!backoff.allows(failures)) {
            publish(CameraState.DISCONNECTED, error.code(), error.getMessage(), -1);
            return Mono.error(error);
        }
        long delay = backoff.delayMillis(failures);
        log.warn("camera {}: {} ({}); reconnecting in {} ms", config.cameraUuid(), error.code(), error.getMessage(),
                delay);
        publish(CameraState.RECONNECTING, error.code(), error.getMessage(), delay);
        return Mono.delay(Duration.ofMillis(delay), timer);
    }

    /** A stage after the source failed for good (e.g. a motion mask outside the image): the camera stops. */
    public void stopWithError(Throwable failure) {
        String code = failure instanceof IllegalArgumentException ? StreamError.CONFIG_ERROR : StreamError.classify(failure).code();
        log.error("camera {}: stopped: {}", config.cameraUuid(), failure.getMessage());
        publish(CameraState.DISCONNECTED, code, failure.getMessage(), -1);
    }

    private void publish(CameraState newState, String code, String detail, long retryInMs) {
        publish(newState, code, detail, retryInMs, null);
    }

    private void publish(CameraState newState, String code, String detail, long retryInMs, String reason) {
        CameraState previous = state.getAndSet(newState);
        if (previous == newState && code == null && reason == null) {
            return;
        }
        CameraStatus status = new CameraStatus(config.cameraUuid(), config.tenantId(), config.siteId(), newState,
                clock.instant(), newState == CameraState.STREAMING ? decodedFps() : 0, code, detail, retryInMs,
                reason);
        statuses.emitNext(status, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
    }

    /**
     * The camera set is about to stop the current run: it then ends in {@code state} (PAUSED, DISCONNECTED) with
     * {@code reason}, instead of a plain DISCONNECTED. Without a run, the state is published now.
     */
    public void endRunAs(CameraState state, String reason, boolean running) {
        endState = state;
        endReason = reason;
        if (!running) {
            publish(state, null, null, -1, reason);
        }
    }

    /** No more runs: late subscribers to {@link #statuses()} see the last state and completion. */
    public void retire() {
        statuses.tryEmitComplete();
    }

    /** State changes, the current one first for late subscribers. */
    public Flux<CameraStatus> statuses() {
        return statuses.asFlux();
    }

    public SourceConfig config() {
        return config;
    }

    public FrameLedger ledger() {
        return ledger;
    }

    public CameraState state() {
        return state.get();
    }

    public double decodedFps() {
        return decodedRate.rate(System.nanoTime());
    }

    public double inferredFps() {
        return inferredRate.rate(System.nanoTime());
    }

    public void recordInferred(long nanos) {
        inferredRate.record(nanos);
    }

    public long lastFrameEpochMs() {
        return lastFrameEpochMs.get();
    }

    /** One open connection and where it is in media time. */
    private static final class Session {
        final StreamReader reader;
        long ptsOffset;
        long lastPts;
        boolean streaming;
        int frames;
        long paceStartNanos = -1;
        long paceStartPts;

        Session(StreamReader reader) {
            this.reader = reader;
        }

        long frameIntervalMicros() {
            double fps = reader.frameRate();
            return fps > 0 ? Math.round(1_000_000 / fps) : 40_000;
        }

        /** Sleeps until the frame's media time; false when interrupted (the camera is stopping). */
        boolean pace(long pts) {
            long now = System.nanoTime();
            if (paceStartNanos < 0 || pts < paceStartPts) {
                paceStartNanos = now;
                paceStartPts = pts;
                return true;
            }
            long due = paceStartNanos + (pts - paceStartPts) * 1000;
            long wait = due - now;
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }

        void close() {
            reader.close();
        }
    }
}
