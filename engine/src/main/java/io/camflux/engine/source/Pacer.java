package io.camflux.engine.source;

import java.util.concurrent.TimeUnit;

/** Holds a file read with {@code realtime: true} to its media time, as a live camera would deliver it. */
final class Pacer {
    private long startNanos = -1;
    private long startPts;

    /** Sleeps until the frame's media time; false when interrupted (the camera is stopping). */
    boolean pace(long ptsMicros) {
        long now = System.nanoTime();
        if (startNanos < 0 || ptsMicros < startPts) {
            startNanos = now;
            startPts = ptsMicros;
            return true;
        }
        long wait = startNanos + (ptsMicros - startPts) * 1000 - now;
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
