package io.camflux.engine.cli;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraChange;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;
import io.camflux.engine.http.SourceAdmin;
import io.camflux.engine.CameraView;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The admin API on a running engine. A source comes as in the config file and is validated the same way
 * (relative paths against {@code baseDir}; without its own {@code decoder}, {@code auto}). Changes made here last
 * until the next reload of the config file, which sets the whole camera set again.
 */
final class EngineSourceAdmin implements SourceAdmin {
    private static final Logger log = LoggerFactory.getLogger(EngineSourceAdmin.class);
    private final CamFlux engine;
    private final Path baseDir;

    EngineSourceAdmin(CamFlux engine, Path baseDir) {
        this.engine = engine;
        this.baseDir = baseDir;
    }

    @Override
    public List<Map<String, Object>> sources() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (CameraView c : engine.cameras()) {
            SourceConfig s = c.config();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("camera_uuid", s.cameraUuid());
            m.put("url", SourceConfig.redact(s.url()));
            m.put("tenant_id", s.tenantId());
            m.put("site_id", s.siteId());
            m.put("state", c.state() == null ? "CONNECTING" : c.state().name());
            m.put("paused", engine.isPaused(s.cameraUuid()));
            m.put("decoder", c.decoder());
            m.put("model", s.model());
            m.put("decoded_fps", c.decodedFps());
            m.put("inferred_fps", c.inferredFps());
            out.add(m);
        }
        return out;
    }

    @Override
    public Mono<CameraChange> put(String cameraUuid, String json) {
        // validation looks at the file system (a file source must be readable): not on the HTTP server's thread
        return Mono.fromCallable(() -> ConfigLoader.parseSource(json, cameraUuid, VideoDecoder.AUTO, baseDir,
                        engine.config().tracking().enabled(), engine.models()))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(engine::put)
                .doOnNext(c -> log.info("admin API: camera {} {}", c.cameraUuid(), c.kind()));
    }

    /** The removal goes on in the background once it has started: 202 says it was accepted. */
    @Override
    public Mono<CameraChange> remove(String cameraUuid) {
        return Mono.fromCallable(() -> {
            if (engine.cameras().stream().noneMatch(c -> c.config().cameraUuid().equals(cameraUuid))) {
                throw new NoSuchElementException("no camera " + cameraUuid + " in the set");
            }
            engine.remove(cameraUuid).subscribe(c -> log.info("admin API: camera {} removed", cameraUuid),
                    e -> log.warn("admin API: removing camera {} failed: {}", cameraUuid, e.getMessage()));
            return new CameraChange(cameraUuid, CameraChange.Kind.REMOVED);
        });
    }

    @Override
    public Mono<CameraChange> pause(String cameraUuid) {
        return engine.pause(cameraUuid);
    }

    @Override
    public Mono<CameraChange> resume(String cameraUuid) {
        return engine.resume(cameraUuid);
    }
}
