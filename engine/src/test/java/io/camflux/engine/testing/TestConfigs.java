package io.camflux.engine.testing;

import io.camflux.engine.config.BatchConfig;
import io.camflux.engine.config.HttpConfig;
import io.camflux.engine.config.ModelConfig;
import io.camflux.engine.config.MotionConfig;
import io.camflux.engine.config.ReconnectConfig;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.model.BuiltinModel;
import io.camflux.model.ExecutionProvider;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** Configs for tests, built in code. */
public final class TestConfigs {
    private TestConfigs() {
    }

    public static SourceConfig file(String id, String path, boolean loop, boolean realtime) {
        return new SourceConfig(id, path, "site-T", "tenant-T", "tcp", loop, realtime, Duration.ofSeconds(5), List.of());
    }

    public static SourceConfig rtsp(String id, String url) {
        return new SourceConfig(id, url, "site-T", "tenant-T", "tcp", false, true, Duration.ofSeconds(3), List.of());
    }

    public static ShardConfig shard(double maxFps, int batch, List<SourceConfig> sources) {
        return shard("runner-T", maxFps, batch, sources);
    }

    /** A worker of its own name (several in one test). */
    public static ShardConfig shard(String runnerId, double maxFps, int batch, List<SourceConfig> sources) {
        return new ShardConfig(runnerId, "shard-T", maxFps, sources, null, Duration.ofSeconds(5),
                MotionConfig.defaults(false),
                new ModelConfig(BuiltinModel.DEFAULT, ExecutionProvider.CPU, 0, 0.35f, 0.45f, Set.of(), null, null, 0),
                new BatchConfig(batch, Duration.ofMillis(30)),
                new ReconnectConfig(Duration.ofMillis(200), Duration.ofSeconds(1), 0.1, 0), false,
                new HttpConfig("127.0.0.1", 0, 0, 0.8, Duration.ofSeconds(10)));
    }
}
