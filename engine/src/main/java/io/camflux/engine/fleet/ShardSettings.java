package io.camflux.engine.fleet;

import io.camflux.engine.CamFlux;
import io.camflux.engine.config.LeasedShard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The settings a shard may carry beside its cameras ({@code max_fps}, {@code emit_empty}, {@code motion_config}). */
final class ShardSettings {
    private static final Logger log = LoggerFactory.getLogger(ShardSettings.class);

    private ShardSettings() {
    }

    /** Applies those the shard has to the running engine; a motion config this engine cannot take is logged. */
    static void apply(CamFlux engine, LeasedShard shard) {
        if (shard.maxFps() != null) {
            engine.setMaxFps(shard.maxFps());
        }
        if (shard.emitEmpty() != null) {
            engine.setEmitEmpty(shard.emitEmpty());
        }
        if (shard.motion() != null) {
            try {
                engine.setMotionConfig(shard.motion());
            } catch (RuntimeException e) {
                log.error("the shard's motion_config cannot apply here: {}", e.getMessage());
            }
        }
    }
}
