package io.camflux.engine.cli;

import io.camflux.engine.http.Controls;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT: the first drains, the second stops at once (a JVM shutdown hook cannot tell them apart).
 * Installed before anything is loaded: a signal while the model loads and warms up (native code that must not
 * be torn down under it; the JVM's own exit once crashed ONNX Runtime there) is remembered and drains the run as
 * soon as it exists, which then ends at once; a second one during start-up halts without running native teardown.
 */
final class Signals {
    /** Not a static field: the handlers go in before logging starts (logback's start-up takes a few hundred ms). */
    private static Logger log() {
        return LoggerFactory.getLogger(Signals.class);
    }
    /** 128 + SIGTERM, what a process killed by it reports. */
    static final int EXIT_HALTED = 143;

    private final AtomicInteger received = new AtomicInteger();
    private volatile Controls controls;

    private Signals() {
    }

    static Signals install() {
        Signals signals = new Signals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> signals.received(name));
            } catch (IllegalArgumentException unsupported) {
                log().warn("cannot handle SIG{} here: {}", name, unsupported.getMessage());
            }
        }
        return signals;
    }

    /** From now on signals drain and terminate {@code target}; one that came during start-up drains it now. */
    void attach(Controls target) {
        controls = target;
        if (received.get() > 0) {
            log().info("a stop was asked for during start-up: draining now");
            target.drain();
        }
    }

    /** Whether a stop was asked for before the run existed. */
    boolean stopRequested() {
        return received.get() > 0;
    }

    private void received(String name) {
        int count = received.incrementAndGet();
        Controls target = controls;
        if (target == null) {
            if (count == 1) {
                log().info("SIG{} during start-up: stopping once the model has loaded (send it again to stop at once)",
                        name);
            } else {
                log().info("SIG{} again during start-up: stopping now", name);
                Runtime.getRuntime().halt(EXIT_HALTED);
            }
            return;
        }
        if (count == 1) {
            log().info("SIG{}: draining (send it again to stop at once)", name);
            target.drain();
        } else {
            log().info("SIG{} again: stopping now", name);
            target.terminate();
        }
    }
}
