package io.camflux.engine.config;

import java.time.Duration;

/**
 * Reconnect backoff: {@code initial} doubling up to {@code max}, each delay spread by ±{@code jitter} (0..1).
 * {@code maxAttempts} 0 retries for ever.
 */
public record ReconnectConfig(Duration initial, Duration max, double jitter, int maxAttempts) {
}
