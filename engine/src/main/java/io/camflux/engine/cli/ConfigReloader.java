package io.camflux.engine.cli;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraChange;
import io.camflux.engine.config.ConfigException;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.TrackingConfig;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the shard config when its file changes (a watch on its folder) or on SIGHUP. A valid file's
 * {@code sources} are applied to the running engine as a diff: cameras it does not change are not touched;
 * {@code max_fps}, {@code emit_empty} and {@code motion_config} apply at once, without reconnecting anyone (a new
 * motion config starts each camera's gate afresh). Every other key that differs
 * from the running config takes effect only after a restart, and one warning names them;
 * an invalid file is refused with the loader's path-named problems and the running set stays as it was.
 */
final class ConfigReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);
    /** The keys a reload does not change in the running engine, with how each is read off a config. */
    private static final List<Key> NEEDS_RESTART = List.of(
            new Key("runner_id", ShardConfig::runnerId), new Key("shard_id", ShardConfig::shardId),
            new Key("amqp", ShardConfig::amqp),
            new Key("telemetry", ShardConfig::reportInterval),
            new Key("model", ShardConfig::model), new Key("models", ShardConfig::models),
            new Key("batch", ShardConfig::batch),
            new Key("reconnect", ShardConfig::reconnect),
            new Key("http", ShardConfig::http), new Key("max_sources", ShardConfig::maxSources),
            // the trackers are built with the engine: turning tracking on (and so zones and lines) needs a restart
            new Key("tracking", c -> c.tracking().withEvents(TrackingConfig.Events.FRAMES)),
            new Key("events", c -> c.tracking().events()),
            // NVDEC's contexts and budget, and OpenCV's pool, are made with the engine
            new Key("decode", ShardConfig::decode));

    private record Key(String name, Function<ShardConfig, Object> value) {
    }

    /** The link a ConfigMap volume swaps atomically when its data changes ({@code worker.json -> ..data/worker.json}). */
    private static final Path CONFIGMAP_LINK = Path.of("..data");

    private final Path file;
    private final CamFlux engine;
    private final ShardConfig started;
    private Thread watcher;
    private WatchService watch;

    ConfigReloader(Path file, CamFlux engine) {
        this.file = file.toAbsolutePath();
        this.engine = engine;
        this.started = engine.config();
    }

    /** Starts watching the file and handling SIGHUP. */
    ConfigReloader start() {
        HangUpSignal.handle(() -> {
            log.info("SIGHUP: reloading {}", file);
            reload();
        }, "the config reloads when its file changes");
        try {
            watch = FileSystems.getDefault().newWatchService();
            file.getParent().register(watch, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
            watcher = new Thread(this::watchLoop, "camflux-config-watch");
            watcher.setDaemon(true);
            watcher.start();
        } catch (IOException e) {
            log.warn("cannot watch {} ({}); SIGHUP still reloads it", file, e.getMessage());
        }
        return this;
    }

    private void watchLoop() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = watch.take();
                // a Kubernetes ConfigMap volume changes the file by swapping the ..data link to a new folder
                boolean ours = key.pollEvents().stream()
                        .anyMatch(e -> file.getFileName().equals(e.context()) || CONFIGMAP_LINK.equals(e.context()));
                key.reset();
                if (ours) {
                    Thread.sleep(200); // an editor writes in steps: read it once they are done
                    while (key.pollEvents().size() > 0) {
                        key.reset();
                    }
                    log.info("{} changed: reloading", file);
                    reload();
                }
            }
        } catch (InterruptedException | java.nio.file.ClosedWatchServiceException e) {
            // closing
        }
    }

    /** Reads the file and applies it; the changes made, or null when the file was refused. Blocking. */
    synchronized List<CameraChange> reload() {
        ShardConfig next;
        try {
            next = ConfigLoader.load(file);
        } catch (ConfigException e) {
            log.error("reload refused, the running cameras stay as they are: {}", e.getMessage());
            return null;
        }
        List<String> restart = restartNeeded(next);
        if (!restart.isEmpty()) {
            log.warn("reload: {} changed and take effect after a restart; the sources are applied now{}", restart,
                    restart.contains("tracking") ? " (their zones and lines count once tracking runs)" : "");
        }
        if (next.maxFps() != engine.maxFps()) {
            log.info("reload: max_fps {} -> {}", engine.maxFps(), next.maxFps());
            engine.setMaxFps(next.maxFps());
        }
        engine.setEmitEmpty(next.emitEmpty());
        if (!next.motion().equals(engine.motionConfig())) {
            try {
                engine.setMotionConfig(next.motion());
                log.info("reload: motion_config applied");
            } catch (IllegalStateException e) {
                log.error("reload: motion_config not applied: {}", e.getMessage());
            }
        }
        try {
            List<CameraChange> changes = engine.apply(next.sources()).block(Duration.ofSeconds(60));
            List<CameraChange> made = changes == null ? List.of()
                    : changes.stream().filter(c -> c.kind() != CameraChange.Kind.UNCHANGED).toList();
            log.info("reload applied: {}", made.isEmpty() ? "no camera changed" : made);
            return changes;
        } catch (RuntimeException e) {
            log.error("reload refused, the running cameras stay as they are: {}", e.getMessage());
            return null;
        }
    }

    /** The keys of {@code next} that differ from the running config and that a reload cannot apply. */
    List<String> restartNeeded(ShardConfig next) {
        List<String> restart = new ArrayList<>();
        for (Key k : NEEDS_RESTART) {
            if (!Objects.equals(k.value().apply(started), k.value().apply(next))) {
                restart.add(k.name());
            }
        }
        return restart;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.interrupt();
        }
        if (watch != null) {
            try {
                watch.close();
            } catch (IOException e) {
                // nothing left to watch
            }
        }
    }
}
