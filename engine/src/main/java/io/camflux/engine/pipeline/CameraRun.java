package io.camflux.engine.pipeline;

import io.camflux.engine.source.Camera;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One stretch of a camera in the pipeline, from when the camera set starts it (at start, add, resume) until it
 * stops it (remove, pause, replace) or intake ends: its frames flow while {@code stop} has not fired, and
 * {@link #ended()} completes once they have stopped flowing.
 */
public final class CameraRun {
    private final Camera camera;
    private final Sinks.Empty<Void> stop = Sinks.empty();
    private final Sinks.Empty<Void> ended = Sinks.empty();
    private final java.util.concurrent.atomic.AtomicBoolean subscribed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean stopped;

    public CameraRun(Camera camera) {
        this.camera = camera;
    }

    public Camera camera() {
        return camera;
    }

    /** Fires the stop; the run's frames end (what is in flight still finishes). A run no pipeline took ends now. */
    public void stop() {
        stopped = true;
        stop.tryEmitEmpty();
        if (!subscribed.get()) {
            markEnded();
        }
    }

    /** Whether the camera set stopped it (else it ended on its own: a file's end, reconnects given up, intake). */
    public boolean stopped() {
        return stopped;
    }

    void markSubscribed() {
        subscribed.set(true);
    }

    Mono<Void> stopSignal() {
        return stop.asMono();
    }

    void markEnded() {
        ended.tryEmitEmpty();
    }

    /** Completes when the run's frames flux has terminated. */
    public Mono<Void> ended() {
        return ended.asMono();
    }
}
