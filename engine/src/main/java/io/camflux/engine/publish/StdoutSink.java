package io.camflux.engine.publish;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Events as JSON lines on standard output (a worker without an {@code amqp} block), written on a blocking-friendly
 * scheduler in order; an event counts as delivered once its line is written.
 */
public final class StdoutSink implements EventSink {
    private final PrintStream out;
    private final Scheduler io;
    private final MeterRegistry registry;

    public StdoutSink(PrintStream out, Scheduler io, MeterRegistry registry) {
        this.out = out;
        this.io = io;
        this.registry = registry;
    }

    @Override
    public Mono<Void> publish(Flux<OutboundEvent> events) {
        return events.publishOn(io)
                .doOnNext(event -> {
                    if (!event.permitted().getAsBoolean()) {
                        LostEvents.counter(registry, LostEvents.LEASE_FENCED).increment();
                        return;
                    }
                    out.println(new String(event.body(), StandardCharsets.UTF_8));
                    out.flush();
                    event.onConfirmed().run();
                })
                .then();
    }
}
