package io.camflux.engine.fleet;

import io.camflux.engine.config.LeasedShard;

/**
 * The control plane's answer to a renewal.
 *
 * @param expiresAt    the control plane's own deadline, as it wrote it (for logs; the worker fences on its own clock)
 * @param shard        a changed shard to apply as a diff; null when {@code shardVersion} is the one held
 */
public record Renewal(String expiresAt, String shardVersion, LeasedShard shard) {
}
