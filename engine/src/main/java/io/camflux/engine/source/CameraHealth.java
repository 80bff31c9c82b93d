package io.camflux.engine.source;

import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.metrics.CameraMeters;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A camera's state and rates: its current state and the stream of its changes (edge-triggered, failures counted
 * in its meters), its decoded rate and the time of its last frame.
 */
final class CameraHealth {
    private final SourceConfig config;
    private final Clock clock;
    private final CameraMeters meters;
    private final AtomicReference<CameraState> state = new AtomicReference<>();
    private final RateMeter decodedRate = new RateMeter(TimeUnit.SECONDS.toNanos(5));
    private final AtomicLong lastFrameEpochMs = new AtomicLong();
    private final Sinks.Many<CameraStatus> statuses = Sinks.many().replay().latest();

    CameraHealth(SourceConfig config, Clock clock, CameraMeters meters) {
        this.config = config;
        this.clock = clock;
        this.meters = meters;
    }

    void frameDecoded() {
        decodedRate.record(System.nanoTime());
        lastFrameEpochMs.set(clock.millis());
    }

    /** Announces {@code newState}; a repeat of the current state is announced only with a code or a reason. */
    void publish(CameraState newState, String code, String detail, long retryInMs, String reason) {
        CameraState previous = state.getAndSet(newState);
        if (previous == newState && code == null && reason == null) {
            return;
        }
        if (code != null) {
            meters.streamError(code);
        }
        CameraStatus status = new CameraStatus(config.cameraUuid(), config.tenantId(), config.siteId(), newState,
                clock.instant(), newState == CameraState.STREAMING ? decodedFps() : 0, code, detail, retryInMs,
                reason);
        statuses.emitNext(status, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
    }

    /** No more changes: late subscribers see the last state and completion. */
    void complete() {
        statuses.tryEmitComplete();
    }

    Flux<CameraStatus> statuses() {
        return statuses.asFlux();
    }

    CameraState state() {
        return state.get();
    }

    double decodedFps() {
        return decodedRate.rate(System.nanoTime());
    }

    long lastFrameEpochMs() {
        return lastFrameEpochMs.get();
    }
}
