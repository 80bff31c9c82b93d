package io.camflux.engine.cli;

import io.camflux.engine.http.Controls;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** SIGTERM and SIGINT: the first drains, the second stops at once (a JVM shutdown hook cannot tell them apart). */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    static void onTermination(Controls controls) {
        AtomicInteger received = new AtomicInteger();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (received.incrementAndGet() == 1) {
                        log.info("SIG{}: draining (send it again to stop at once)", name);
                        controls.drain();
                    } else {
                        log.info("SIG{} again: stopping now", name);
                        controls.terminate();
                    }
                });
            } catch (IllegalArgumentException unsupported) {
                log.warn("cannot handle SIG{} here: {}", name, unsupported.getMessage());
            }
        }
    }
}
