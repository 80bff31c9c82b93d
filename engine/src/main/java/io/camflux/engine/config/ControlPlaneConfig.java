package io.camflux.engine.config;

import java.net.URI;
import java.time.Duration;

/**
 * The {@code cp} block of a file without {@code sources}: the worker's shard comes from a control plane under a
 * lease (docs/control-plane.md). With {@code sources} (the seed's format) the block is ignored, with a warning. The bearer token comes from
 * {@code CAMFLUX_CP_TOKEN}; an inline {@code token} is accepted with a warning.
 *
 * @param inlineToken     {@code cp.token}, null when absent (prefer the environment)
 * @param maxCameras      the capacity offered when acquiring ({@code cp.max_cameras}, default {@code max_sources})
 * @param requestTimeout  one request's limit ({@code cp.timeout_ms})
 * @param acquireInterval the first wait before asking again when nothing is offered or the control plane is away
 *                        ({@code cp.acquire_interval_ms}); it doubles up to {@code acquireMaxInterval}, with jitter
 * @param caFile          PEM certificates to trust for an https control plane ({@code cp.ca_file}, a private CA);
 *                        null: the JDK's trust store
 */
public record ControlPlaneConfig(URI baseUrl, String inlineToken, int maxCameras, Duration requestTimeout,
                                 Duration acquireInterval, Duration acquireMaxInterval, java.nio.file.Path caFile) {

    public ControlPlaneConfig(URI baseUrl, String inlineToken, int maxCameras, Duration requestTimeout,
                              Duration acquireInterval, Duration acquireMaxInterval) {
        this(baseUrl, inlineToken, maxCameras, requestTimeout, acquireInterval, acquireMaxInterval, null);
    }
    public static final String TOKEN_ENV = "CAMFLUX_CP_TOKEN";

    /**
     * The token to send: the environment's, else the inline one (with a warning from the caller), else none.
     *
     * @return null when there is none
     */
    public String token(String fromEnvironment) {
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        return inlineToken;
    }
}
