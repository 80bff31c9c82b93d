package io.camflux.engine.pipeline;


/**
 * Decides which frames to keep so that at most {@code maxFps} pass, judged by frame timestamps: a frame passes
 * when it reaches the next due time, and the due time then advances by exactly one period (not from the frame),
 * so the kept rate does not drift below {@code maxFps} when the source rate is not a multiple of it. A gap
 * longer than a period, or a timestamp going backwards (reconnect, loop, a concatenated or wrapping stream), starts
 * the schedule again from that frame; the frame itself passes only if a period has gone by on the arrival clock
 * since the last one that passed, so timestamps that keep jumping (two timelines interleaved) cannot pass more
 * than {@code maxFps} frames a second of arrival.
 * One instance per camera; not thread-safe (a camera's frames arrive in order). The rate may change while it
 * runs (a config reload): the next frame then starts the schedule at the new rate.
 */
public final class RateSampler implements io.camflux.engine.source.FrameSampler {
    private final java.util.function.DoubleSupplier maxFps;
    private double rate;
    private long periodMicros;
    /** Timestamps are rounded (and RTP clocks jitter): a frame this close to its due time counts as on time. */
    private long toleranceMicros;
    private long nextDue = Long.MIN_VALUE;
    private long last = Long.MIN_VALUE;
    private final java.util.function.LongSupplier arrivalNanos;
    private long lastPassedArrival = Long.MIN_VALUE;

    public RateSampler(double maxFps) {
        this(() -> maxFps);
    }

    /** At the rate {@code maxFps} gives when each frame arrives. */
    public RateSampler(java.util.function.DoubleSupplier maxFps) {
        this(maxFps, System::nanoTime);
    }

    /**
     * @param arrivalNanos the monotonic clock frames arrive by (tests: a virtual one); null for a file read as fast
     *                     as it decodes, whose arrival says nothing about its rate (media time alone decides)
     */
    public RateSampler(java.util.function.DoubleSupplier maxFps, java.util.function.LongSupplier arrivalNanos) {
        this.maxFps = maxFps;
        this.arrivalNanos = arrivalNanos;
        setRate(maxFps.getAsDouble());
    }

    private void setRate(double fps) {
        if (!(fps > 0)) {
            throw new IllegalArgumentException("max_fps must be > 0");
        }
        rate = fps;
        periodMicros = Math.round(1_000_000 / fps);
        toleranceMicros = Math.min(2_000, periodMicros / 10);
        nextDue = Long.MIN_VALUE;
    }

    /** The period of the rate the last frame was judged at. */
    @Override
    public long periodMicros() {
        return periodMicros;
    }

    @Override
    public boolean accept(long timestampMicros) {
        double now = maxFps.getAsDouble();
        if (now != rate) {
            setRate(now);
        }
        boolean first = nextDue == Long.MIN_VALUE;
        boolean restart = first || timestampMicros < last || timestampMicros - nextDue >= periodMicros;
        last = timestampMicros;
        if (restart) {
            nextDue = timestampMicros + periodMicros;
            if (arrivalNanos == null) {
                return true;
            }
            long arrived = arrivalNanos.getAsLong();
            if (first || lastPassedArrival == Long.MIN_VALUE
                    || arrived - lastPassedArrival >= periodMicros * 1000 - toleranceMicros * 1000) {
                lastPassedArrival = arrived;
                return true;
            }
            return false;
        }
        if (timestampMicros >= nextDue - toleranceMicros) {
            nextDue += periodMicros;
            if (arrivalNanos != null) {
                lastPassedArrival = arrivalNanos.getAsLong();
            }
            return true;
        }
        return false;
    }
}
