package io.camflux.engine.source;

import java.util.ArrayDeque;

/** Events per second over a sliding window of recent event times (nanoseconds). Thread-safe. */
public final class RateMeter {
    private final long windowNanos;
    private final ArrayDeque<Long> times = new ArrayDeque<>();

    public RateMeter(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    public synchronized void record(long nanos) {
        times.addLast(nanos);
        while (!times.isEmpty() && nanos - times.peekFirst() > windowNanos) {
            times.removeFirst();
        }
    }

    /** The measured rate; 0 until two events are in the window or when the last one is older than the window. */
    public synchronized double rate(long nowNanos) {
        while (!times.isEmpty() && nowNanos - times.peekFirst() > windowNanos) {
            times.removeFirst();
        }
        if (times.size() < 2) {
            return 0;
        }
        long span = times.peekLast() - times.peekFirst();
        return span <= 0 ? 0 : (times.size() - 1) * 1e9 / span;
    }
}
