package io.camflux.engine.publish;

import java.io.PrintStream;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/** Writes each line to standard output on a blocking-friendly scheduler, keeping their order. */
public final class StdoutSink {
    private final PrintStream out;
    private final Scheduler io;

    public StdoutSink(PrintStream out, Scheduler io) {
        this.out = out;
        this.io = io;
    }

    /** Completes when {@code lines} completes and every line is written. */
    public Mono<Void> write(Flux<String> lines) {
        return lines.publishOn(io)
                .doOnNext(line -> {
                    out.println(line);
                    out.flush();
                })
                .then();
    }
}
