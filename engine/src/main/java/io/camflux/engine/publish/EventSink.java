package io.camflux.engine.publish;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where a worker's events go: the broker ({@link RabbitSink}) or standard output ({@link StdoutSink}). Each event
 * comes as an {@link OutboundEvent}: its body, where it goes on a broker, what to do once delivered, and whether it
 * may still go out (asked right before it does; an event whose lease was fenced meanwhile is counted as lost).
 */
public interface EventSink extends AutoCloseable {

    /** Delivers every event; completes once {@code events} has completed and each was delivered or counted lost. */
    Mono<Void> publish(Flux<OutboundEvent> events);

    /** Connects ahead of the first event (a fleet worker is ready before it holds a shard). */
    default void connect() {
    }

    /** Whether events can be delivered now ({@code /ready}). */
    default boolean connected() {
        return true;
    }

    /**
     * At the exit: counts what is still undelivered as lost ({@code shutdown}) and says what became of the events,
     * for the closing summary; null when there is nothing to say.
     */
    default String finish() {
        return null;
    }

    @Override
    default void close() {
    }
}
