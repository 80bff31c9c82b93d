package io.camflux.engine.source;

import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.CameraView;
import io.camflux.engine.DropReason;
import io.camflux.engine.config.SourceConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * One camera as a {@code Flux} of decoded frames: connecting, reading and reconnecting. Connecting, reading and
 * closing happen on the camera's own thread ({@code grabThread}); failures reconnect with backoff, and every state
 * change is published on {@link #statuses()} (kept by its {@link CameraHealth}). A camera that gives up completes:
 * it never fails the pipeline. Internal: embedders see it as a {@link CameraView}.
 */
public final class Camera implements CameraView {
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
    private final CameraHealth health;
    private final AtomicLong nextFrameId = new AtomicLong();
    private final AtomicInteger failuresInARow = new AtomicInteger();
    /** How the current run ends when the camera set stops it (paused, removed, replaced); else DISCONNECTED. */
    private volatile CameraState endState = CameraState.DISCONNECTED;
    private volatile String endReason;
    /** The decoder of the latest connection (see {@link #decoder()}). */
    private volatile String decoder;

    public Camera(SourceConfig config, StreamReader.Opener opener, Backoff backoff, Scheduler grabThread,
                  Scheduler timer, Clock clock, FrameLedger ledger) {
        this.config = config;
        this.opener = opener;
        this.backoff = backoff;
        this.grabThread = grabThread;
        this.timer = timer;
        this.clock = clock;
        this.ledger = ledger;
        this.health = new CameraHealth(config, clock, ledger.meters());
    }

    /**
     * Frames until the stream ends for good (a file without loop, or reconnects exhausted); cold. Every frame
     * is decoded, but only those whose media time {@code wanted} accepts become images and are emitted; the
     * others are counted as {@link DropReason#SAMPLED_OUT} on the spot.
     */
    public Flux<VideoFrame> frames(FrameSampler wanted) {
        return frames(wanted, () -> PictureFilter.KEEP_ALL, Mono.never());
    }

    /**
     * As above; a wanted frame is also shown to the run's filter (the motion gate, one from {@code filters} per run,
     * kept across reconnects and closed at the run's end) before it is converted, and one it does not keep is
     * counted as {@link DropReason#NO_MOTION}. Its frame id is used up, so ids count the sampled frames. The run ends
     * when {@code stop} completes: the reader completes the flux itself, on the camera's thread, before its next
     * frame (or at once while it waits to reconnect). Cancelling from outside instead would race a frame being
     * emitted into a downstream that has already completed, where it would never be released. A filter that fails
     * (a motion mask outside the image) stops the camera with that error; it does not reconnect. While the stream's
     * key frames come at least as often as the sampler keeps frames ({@link FrameSampler#periodMicros()}), the
     * reader decodes only its key frames ({@link KeyFramesOnly}).
     */
    public Flux<VideoFrame> frames(FrameSampler wanted, Supplier<PictureFilter> filters, Mono<Void> stop) {
        return Flux.defer(() -> {
            AtomicBoolean stopping = new AtomicBoolean();
            AtomicBoolean ended = new AtomicBoolean();
            PictureFilter filter = filters.get();
            Disposable watch = stop.subscribe(null, e -> stopping.set(true), () -> stopping.set(true));
            endState = CameraState.DISCONNECTED;
            endReason = null;
            return Flux.defer(() -> connection(wanted, filter, stopping))
                    // a stop while waiting to reconnect ends the retries (no reader runs then); a stop while
                    // streaming is the reader's to act on, before its next frame: ending the companion then would
                    // cancel the reader while it emits a frame, which would never be released (a removed file
                    // camera kept one frame in flight, one removal in a few hundred)
                    .retryWhen(Retry.from(failures -> failures.concatMap(signal -> reconnectAfter(signal.failure())
                            .takeUntilOther(stop)
                            .switchIfEmpty(Mono.error(StoppedWhileWaiting::new)))))
                    .onErrorResume(e -> {
                        if (e instanceof StoppedWhileWaiting) {
                            return Flux.empty();
                        }
                        if (e instanceof FilterFailure failure) {
                            stopWithError(failure.getCause());
                        } else {
                            log.error("camera {}: giving up after {} failures in a row: {}", config.cameraUuid(),
                                    failuresInARow.get(), e.getMessage());
                        }
                        return Flux.empty();
                    })
                    // the last state before the run's end reaches downstream (a doFinally here would run after it)
                    .doOnTerminate(() -> endRun(ended, watch, filter))
                    .doOnCancel(() -> endRun(ended, watch, filter));
        });
    }

    private void endRun(AtomicBoolean ended, Disposable watch, PictureFilter filter) {
        if (ended.compareAndSet(false, true)) {
            watch.dispose();
            filter.close();
            publish(endState, null, null, -1, endReason);
        }
    }

    private Flux<VideoFrame> connection(FrameSampler wanted, PictureFilter filter, AtomicBoolean stopping) {
        return Flux.<VideoFrame, Session>generate(this::connect,
                        (session, sink) -> readNext(session, sink, wanted, filter, stopping), Session::close)
                .subscribeOn(grabThread);
    }

    private Session connect() throws Exception {
        long started = timer.now(TimeUnit.MILLISECONDS);
        publish(failuresInARow.get() == 0 ? CameraState.CONNECTING : CameraState.RECONNECTING, null, null, -1);
        log.info("camera {}: connecting to {}", config.cameraUuid(), config.redactedUrl());
        StreamReader reader = opener.open(config);
        decoder = reader.decoderName();
        // timeout_ms counts from the connect's start, as the user set it; said once connected (an open that hangs
        // is FFmpeg's timeout's to end)
        long left = Math.max(0, config.timeout().toMillis() - (timer.now(TimeUnit.MILLISECONDS) - started));
        Disposable overdue = config.isNetwork()
                ? timer.schedule(this::noPictureYet, left, TimeUnit.MILLISECONDS)
                : Disposables.disposed();
        return new Session(config.cameraUuid(), reader, overdue);
    }

    /**
     * No picture within timeout_ms of connecting, although packets arrive (FFmpeg's read timeout fires only when
     * none do): a stream joined after its key frame decodes nothing until the next one. Said as a status with the
     * connect timeout's code; the connection stays, since reconnecting would only join after the key frame again.
     */
    private void noPictureYet() {
        String detail = "connected to " + config.redactedUrl() + ", but no picture decoded within timeout_ms ("
                + config.timeout().toMillis() + " ms) of connecting; still waiting for one (a stream joined after its"
                + " key frame shows nothing until the next: its key-frame interval may be longer than timeout_ms)";
        log.warn("camera {}: {}", config.cameraUuid(), detail);
        CameraState now = health.state();
        publish(now == null ? CameraState.CONNECTING : now, StreamError.CONNECT_TIMEOUT, detail, -1);
    }

    private Session readNext(Session session, SynchronousSink<VideoFrame> sink, FrameSampler wanted,
                             PictureFilter filter, AtomicBoolean stopping) {
        try {
            StreamReader.DecodedImage decoded;
            PictureFilter judged = filter == PictureFilter.KEEP_ALL ? filter : new ContinuedTime(filter, session);
            while (true) {
                if (stopping.get()) {
                    sink.complete();
                    return session;
                }
                decoded = nextDecoded(session, pts -> wanted.accept(session.ptsOffset + pts), judged);
                if (decoded == null) {
                    if (stopping.get()) {
                        sink.complete();
                    } else if (config.isFile()) {
                        log.info("camera {}: end of file", config.cameraUuid());
                        sink.complete();
                    } else {
                        sink.error(new StreamError(StreamError.EOF, "the stream ended", null));
                    }
                    return session;
                }
                health.frameDecoded();
                session.keyFrames.update(wanted.periodMicros());
                String decoderNow = session.reader.decoderName(); // an NVDEC reader changes decoders at a key frame
                if (!java.util.Objects.equals(decoderNow, decoder)) {
                    decoder = decoderNow;
                }
                session.overdue.dispose();
                session.lastPts = session.ptsOffset + decoded.ptsMicros();
                if (!decoded.skipped()) {
                    break;
                }
                if (decoded.dropped() == DropReason.NO_MOTION) {
                    nextFrameId.getAndIncrement();
                    ledger.meters().motion(false);
                    // a realtime file is paced by the frames it keeps; where the gate keeps none (a still scene) the
                    // sampled ones pace it, or it would be read as fast as it decodes
                    if (config.isFile() && config.realtime() && !session.pacer.pace(session.lastPts)) {
                        ledger.droppedAtSource(decoded.dropped());
                        sink.complete();
                        return session;
                    }
                }
                ledger.droppedAtSource(decoded.dropped());
                announceStreaming(session);
            }
            if (filter.active()) {
                ledger.meters().motion(true);
            }
            long pts = session.lastPts;
            if ((config.isFile() && config.realtime() && !session.pacer.pace(pts)) || stopping.get()) {
                decoded.image().close();
                sink.complete();
                return session;
            }
            VideoFrame frame = new VideoFrame(config.cameraUuid(), nextFrameId.getAndIncrement(), pts,
                    System.nanoTime(), clock.millis(), decoded.image(), decoded.sourceWidth(), decoded.sourceHeight(),
                    ledger, config);
            announceStreaming(session);
            sink.next(frame);
        } catch (FilterFailure e) {
            sink.error(e);
        } catch (Exception e) {
            if (stopping.get()) {
                // stopped while a read waited (for a key frame, say), which then failed: the stop is what happened
                sink.complete();
            } else {
                sink.error(StreamError.classify(e));
            }
        }
        return session;
    }

    private void countUndecodable(Session session) {
        long now = session.reader.undecodable();
        if (now > session.undecodable) {
            ledger.meters().undecodable(now - session.undecodable);
            session.undecodable = now;
        }
    }

    /** The next frame, starting the file again at its end when it loops; null at the end of the stream. */
    private StreamReader.DecodedImage nextDecoded(Session session, LongPredicate wanted, PictureFilter filter)
            throws Exception {
        StreamReader.DecodedImage decoded = session.reader.next(wanted, filter);
        countUndecodable(session);
        if (decoded == null && config.isFile()) {
            checkComplete(session);
        }
        if (decoded == null && config.isFile() && config.loop()) {
            session.ptsOffset = session.lastPts + session.frameIntervalMicros();
            session.reader.rewind();
            decoded = session.reader.next(wanted, filter);
        }
        return decoded;
    }

    /**
     * A file that ends well before the duration its header declares is truncated (a copy cut short, a recording
     * that stopped): a {@code DECODE_ERROR} then, so the camera says so and retries with backoff, instead of
     * looping its first seconds as if nothing were wrong.
     */
    private void checkComplete(Session session) {
        long declared = session.reader.declaredDurationMicros();
        long reached = session.lastPts - session.ptsOffset + session.frameIntervalMicros();
        if (declared > 0 && session.frames > 0 && reached < declared - TRUNCATION_SLACK_MICROS) {
            throw new StreamError(StreamError.DECODE_ERROR, String.format(java.util.Locale.ROOT,
                    "the file ends at %.1f s of the %.1f s its header declares: truncated", reached / 1e6,
                    declared / 1e6), null);
        }
    }

    private static final long TRUNCATION_SLACK_MICROS = 1_000_000;

    /** The run's filter in the camera's media time (continued across loops of a file); its failures end the run. */
    private record ContinuedTime(PictureFilter filter, Session session) implements PictureFilter {
        @Override
        public boolean active() {
            return filter.active();
        }

        @Override
        public boolean keep(Picture picture) {
            try {
                return filter.keep(new Picture(picture.pixels(), picture.limitedRange(),
                        session.ptsOffset + picture.ptsMicros(), picture.sourceWidth(), picture.sourceHeight()));
            } catch (RuntimeException e) {
                throw new FilterFailure(e);
            }
        }
    }

    /** The run was stopped while it waited to reconnect: it ends there, quietly. */
    private static final class StoppedWhileWaiting extends RuntimeException {
        StoppedWhileWaiting() {
            super(null, null, false, false);
        }
    }

    /** A filter failed on a frame: not the stream's fault, so no reconnect. */
    private static final class FilterFailure extends RuntimeException {
        FilterFailure(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private void announceStreaming(Session session) {
        if (!session.streaming && ++session.frames >= FRAMES_BEFORE_STREAMING) {
            session.streaming = true;
            failuresInARow.set(0);
            publish(CameraState.STREAMING, null, null, -1);
            log.info("camera {}: streaming at {} fps", config.cameraUuid(),
                    String.format("%.1f", session.reader.frameRate()));
            ThreadNice.streaming();
        }
    }

    private Mono<Long> reconnectAfter(Throwable failure) {
        if (failure instanceof FilterFailure) {
            return Mono.error(failure);
        }
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

    /** Its filter failed for good (e.g. a motion mask outside the image): the camera stops. */
    private void stopWithError(Throwable failure) {
        String code = failure instanceof IllegalArgumentException ? StreamError.CONFIG_ERROR : StreamError.classify(failure).code();
        log.error("camera {}: stopped: {}", config.cameraUuid(), failure.getMessage());
        publish(CameraState.DISCONNECTED, code, failure.getMessage(), -1);
    }

    private void publish(CameraState newState, String code, String detail, long retryInMs) {
        publish(newState, code, detail, retryInMs, null);
    }

    private void publish(CameraState newState, String code, String detail, long retryInMs, String reason) {
        health.publish(newState, code, detail, retryInMs, reason);
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
        health.complete();
    }

    /** State changes, the current one first for late subscribers. */
    public Flux<CameraStatus> statuses() {
        return health.statuses();
    }

    @Override
    public SourceConfig config() {
        return config;
    }

    @Override
    public FrameLedger ledger() {
        return ledger;
    }

    @Override
    public CameraState state() {
        return health.state();
    }

    @Override
    public String decoder() {
        return decoder;
    }

    @Override
    public double decodedFps() {
        return health.decodedFps();
    }

    @Override
    public double inferredFps() {
        return ledger.meters().inferredFps();
    }

    @Override
    public long lastFrameEpochMs() {
        return health.lastFrameEpochMs();
    }

    /** One open connection and where it is in media time. */
    private static final class Session {
        final StreamReader reader;
        final KeyFramesOnly keyFrames;
        final Pacer pacer = new Pacer();
        long ptsOffset;
        long lastPts;
        boolean streaming;
        int frames;
        /** What the reader had counted as undecodable when last asked. */
        long undecodable;

        /** The status said when no picture comes within the timeout; disposed at the first. */
        final Disposable overdue;

        Session(String cameraUuid, StreamReader reader, Disposable overdue) {
            this.reader = reader;
            this.keyFrames = new KeyFramesOnly(cameraUuid, reader);
            this.overdue = overdue;
        }

        long frameIntervalMicros() {
            double fps = reader.frameRate();
            return fps > 0 ? Math.round(1_000_000 / fps) : 40_000;
        }

        void close() {
            overdue.dispose();
            reader.close();
        }
    }
}
