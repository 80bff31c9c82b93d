package io.camflux.engine.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGHUP for the CLI. A process started with SIGHUP already ignored (under {@code nohup}, or by a parent that ignores
 * it) keeps it ignored: the JVM then installs no handler, and a SIGHUP does nothing at all. That is said once, at
 * start, so that "nothing happened" is not a mystery.
 */
final class HangUpSignal {
    private static final Logger log = LoggerFactory.getLogger(HangUpSignal.class);

    private HangUpSignal() {
    }

    /**
     * Runs {@code action} on each SIGHUP; returns whether it will, having logged why not.
     *
     * @param onIgnored what a SIGHUP does instead, for the log line when the signal was ignored at start
     */
    static boolean handle(Runnable action, String onIgnored) {
        try {
            SignalHandler previous = Signal.handle(new Signal("HUP"), signal -> action.run());
            if (previous == SignalHandler.SIG_IGN) {
                log.info("SIGHUP was ignored when this process started (nohup?), so it stays ignored: {}", onIgnored);
                return false;
            }
            return true;
        } catch (IllegalArgumentException unsupported) {
            log.warn("cannot handle SIGHUP here: {}", unsupported.getMessage());
            return false;
        }
    }
}
