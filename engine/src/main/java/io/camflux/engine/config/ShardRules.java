package io.camflux.engine.config;

import java.nio.file.Path;
import java.util.List;

/**
 * What a worker accepts in a shard from the fleet (etcd or an HTTP control plane), beside the config file's own
 * source rules.
 *
 * @param maxCameras       the most cameras one shard may have
 * @param allowedFileRoots the folders a shard may name local files under ({@code allowed_file_roots})
 * @param trackingEnabled  whether this worker tracks objects (zones and lines need it)
 */
public record ShardRules(int maxCameras, List<Path> allowedFileRoots, boolean trackingEnabled) {
    public ShardRules {
        allowedFileRoots = List.copyOf(allowedFileRoots);
    }

    /** This worker's rules, its shards at most {@code maxCameras} cameras. */
    public static ShardRules of(ShardConfig worker, int maxCameras) {
        return new ShardRules(maxCameras, worker.fleet().allowedFileRoots(), worker.tracking().enabled());
    }
}
