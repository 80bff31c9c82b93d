package io.camflux.engine.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What a worker accepts in a shard from the fleet (etcd or an HTTP control plane), beside the config file's own
 * source rules.
 *
 * @param maxCameras       the most cameras one shard may have
 * @param allowedFileRoots the folders a shard may name local files under ({@code allowed_file_roots})
 * @param trackingEnabled  whether this worker tracks objects (zones and lines need it)
 * @param models           the model names this worker has (a source's {@code model} must be one)
 */
public record ShardRules(int maxCameras, List<Path> allowedFileRoots, boolean trackingEnabled, Set<String> models) {
    public ShardRules {
        allowedFileRoots = List.copyOf(allowedFileRoots);
        models = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(models)); // in config order
    }

    /** A worker with the default model only. */
    public ShardRules(int maxCameras, List<Path> allowedFileRoots, boolean trackingEnabled) {
        this(maxCameras, allowedFileRoots, trackingEnabled, Set.of(ShardConfig.DEFAULT_MODEL));
    }

    /** This worker's rules, its shards at most {@code maxCameras} cameras. */
    public static ShardRules of(ShardConfig worker, int maxCameras) {
        return new ShardRules(maxCameras, worker.fleet().allowedFileRoots(), worker.tracking().enabled(),
                worker.modelNames());
    }
}
