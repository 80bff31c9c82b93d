package io.camflux.engine.status;

import io.camflux.engine.CameraStatus;
import io.camflux.engine.StatusEvent;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * The status stream, as operators: each camera's changes made edge-triggered (a repeated state is not sent
 * again; a failure always is), merged with a summary of every camera every {@code interval}.
 */
public final class StatusReporter {
    private StatusReporter() {
    }

    /** Per camera, only changes of state; failures always pass (each carries its own retry delay). */
    public static Flux<StatusEvent> transitions(Flux<CameraStatus> changes) {
        return changes.groupBy(CameraStatus::cameraUuid)
                .flatMap(camera -> camera.distinctUntilChanged(s -> s, (previous, next) ->
                        previous.state() == next.state() && !next.isError()))
                .map(StatusEvent.Change::new);
    }

    /** Every {@code interval} on {@code timer}, one summary per camera. */
    public static Flux<StatusEvent> summaries(Supplier<List<StatusEvent.Summary>> snapshot, Duration interval,
                                              Scheduler timer) {
        return Flux.interval(interval, interval, timer).concatMapIterable(tick -> snapshot.get());
    }

    public static Flux<StatusEvent> events(Flux<CameraStatus> changes, Supplier<List<StatusEvent.Summary>> snapshot,
                                           Duration interval, Scheduler timer) {
        return Flux.merge(transitions(changes), summaries(snapshot, interval, timer));
    }
}
