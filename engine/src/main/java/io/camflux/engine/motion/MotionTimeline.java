package io.camflux.engine.motion;

/**
 * Turns per-frame motion verdicts into pass/skip decisions by frame timestamps: motion opens the gate; it
 * stays open until {@code decay} has passed since the last frame with motion; once closed, it cannot reopen
 * for {@code cooldown}. Timestamps going backwards (a loop, a reconnect) start afresh. Not thread-safe.
 */
final class MotionTimeline {
    private static final long NONE = Long.MIN_VALUE;

    private final long decayMicros;
    private final long cooldownMicros;
    private boolean open;
    private long lastMotion = NONE;
    private long closedAt = NONE;
    private long last = NONE;

    MotionTimeline(double decaySeconds, double cooldownSeconds) {
        this.decayMicros = Math.round(decaySeconds * 1e6);
        this.cooldownMicros = Math.round(cooldownSeconds * 1e6);
    }

    boolean pass(long timestampMicros, boolean motion) {
        if (last != NONE && timestampMicros < last) {
            open = false;
            lastMotion = NONE;
            closedAt = NONE;
        }
        last = timestampMicros;
        if (open) {
            if (motion) {
                lastMotion = timestampMicros;
            }
            if (timestampMicros - lastMotion <= decayMicros) {
                return true;
            }
            open = false;
            closedAt = timestampMicros;
            return false;
        }
        boolean coolingDown = closedAt != NONE && timestampMicros - closedAt < cooldownMicros;
        if (motion && !coolingDown) {
            open = true;
            lastMotion = timestampMicros;
            return true;
        }
        return false;
    }
}
