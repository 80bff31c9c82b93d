package io.camflux.engine.config;

import java.time.Duration;

/**
 * The health server ({@code port}, default 8080) and the metrics server ({@code metricsPort}, default 9108).
 * Port 0 picks a free port.
 *
 * @param readyQuorum fraction of cameras that must be STREAMING for {@code /ready} to say yes
 * @param drainGrace  how long a drain may take before the worker stops anyway
 */
public record HttpConfig(String host, int port, int metricsPort, double readyQuorum, Duration drainGrace) {

    public static HttpConfig defaults() {
        return new HttpConfig("0.0.0.0", 8080, 9108, 0.8, Duration.ofSeconds(30));
    }
}
