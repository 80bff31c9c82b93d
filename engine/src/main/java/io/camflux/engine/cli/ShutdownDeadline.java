package io.camflux.engine.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * The drain grace is a promise: a process whose drain and shutdown have not finished by then (an overloaded host
 * starves the threads that would finish them) is halted once the grace and {@link #SLACK} have passed, saying so,
 * with exit status 3 (events still unconfirmed are lost). On a plain thread of its own, outside Reactor's
 * schedulers, which the overload may be holding up.
 */
final class ShutdownDeadline {
    /** Time after the grace for the shutdown itself (the last status events, closing the cameras). */
    static final Duration SLACK = Duration.ofSeconds(15);

    private ShutdownDeadline() {
    }

    /** Halts through {@code halt} after {@code after}, unless {@code finished} by then. */
    static Thread start(Duration after, BooleanSupplier finished, IntConsumer halt, PrintStream err) {
        Thread deadline = new Thread(() -> {
            try {
                Thread.sleep(after.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (!finished.getAsBoolean()) {
                err.printf("camflux: the shutdown did not finish within %d s (http.drain_grace_seconds and %d s to"
                        + " stop): halting now; events not yet confirmed are lost (exit status %d)%n",
                        after.toSeconds(), SLACK.toSeconds(), Main.EXIT_EVENTS_LOST);
                err.flush();
                halt.accept(Main.EXIT_EVENTS_LOST);
            }
        }, "camflux-shutdown-deadline");
        deadline.setDaemon(true);
        deadline.setPriority(Thread.MAX_PRIORITY);
        deadline.start();
        return deadline;
    }
}
