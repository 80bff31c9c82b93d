package io.camflux.engine.source;

import io.camflux.engine.config.ReconnectConfig;
import java.util.function.DoubleSupplier;

/** Exponential reconnect delays with jitter, bounded by the configured maximum. */
public final class Backoff {
    private final ReconnectConfig config;
    private final DoubleSupplier random;

    /** @param random uniform in [0, 1) */
    public Backoff(ReconnectConfig config, DoubleSupplier random) {
        this.config = config;
        this.random = random;
    }

    /** The delay before attempt {@code failures} + 1, after {@code failures} (>= 1) failures in a row. */
    public long delayMillis(int failures) {
        long initial = config.initial().toMillis();
        long max = config.max().toMillis();
        int doublings = Math.min(Math.max(0, failures - 1), 30);
        double base = Math.min((double) max, initial * Math.pow(2, doublings));
        double spread = base * config.jitter() * (2 * random.getAsDouble() - 1);
        return Math.max(1, Math.min(max, Math.round(base + spread)));
    }

    /** Whether another attempt is allowed after {@code failures} failures in a row. */
    public boolean allows(int failures) {
        return config.maxAttempts() == 0 || failures < config.maxAttempts();
    }
}
