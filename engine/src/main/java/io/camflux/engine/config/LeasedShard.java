package io.camflux.engine.config;

import java.util.List;

/**
 * The shard a control plane hands out with a lease or a renewal: its cameras, and the settings that apply
 * without a restart. Null settings leave the worker's own.
 */
public record LeasedShard(List<SourceConfig> sources, Double maxFps, MotionConfig motion, Boolean emitEmpty) {
    public LeasedShard {
        sources = List.copyOf(sources);
    }
}
