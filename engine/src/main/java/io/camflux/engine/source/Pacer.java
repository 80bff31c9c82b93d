package io.camflux.engine.source;

import java.util.concurrent.TimeUnit;

/**
 * Holds a file read with {@code realtime: true} to its media time, as a live camera would deliver it. Media time
 * that goes back (a loop, a concatenated or wrapping recording) or runs more than {@link #MAX_BEHIND_NANOS} behind
 * the clock starts the pacing again from that frame, so neither turns into a burst of catching up.
 */
final class Pacer {
    static final long MAX_BEHIND_NANOS = 1_000_000_000L;
    private long startNanos = -1;
    private long startPts;
    private long lastPts;

    /** Sleeps until the frame's media time; false when interrupted (the camera is stopping). */
    boolean pace(long ptsMicros) {
        long now = System.nanoTime();
        boolean back = startNanos >= 0 && ptsMicros < lastPts;
        lastPts = ptsMicros;
        long wait = startNanos < 0 ? 0 : startNanos + (ptsMicros - startPts) * 1000 - now;
        if (startNanos < 0 || back || wait < -MAX_BEHIND_NANOS) {
            startNanos = now;
            startPts = ptsMicros;
            return true;
        }
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
