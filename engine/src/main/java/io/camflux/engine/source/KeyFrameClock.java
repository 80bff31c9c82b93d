package io.camflux.engine.source;

/** The media time between a stream's last two key frames, as a reader meets them (decoded, or as packets). */
final class KeyFrameClock {
    private long lastKeyPts = Long.MIN_VALUE;
    private long intervalMicros;

    /** A decoded frame at {@code ptsMicros}; a jump back in time (a loop, a reconnect) starts the count again. */
    void decoded(long ptsMicros, boolean keyFrame) {
        if (!keyFrame) {
            return;
        }
        if (lastKeyPts != Long.MIN_VALUE && ptsMicros > lastKeyPts) {
            intervalMicros = ptsMicros - lastKeyPts;
        }
        lastKeyPts = ptsMicros;
    }

    /** 0 until two key frames came in order. */
    long intervalMicros() {
        return intervalMicros;
    }
}
