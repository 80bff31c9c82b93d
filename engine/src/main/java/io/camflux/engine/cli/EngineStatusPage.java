package io.camflux.engine.cli;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraView;
import io.camflux.engine.DropReason;
import io.camflux.engine.FrameCounts;
import io.camflux.engine.LastInference;
import io.camflux.engine.event.EventJson;
import io.camflux.engine.http.StatusPage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/** The status page's view of a running engine: its cameras' states, meters and last detections. */
final class EngineStatusPage implements StatusPage {
    /** A snapshot waits at most this long for the camera's next inferred frame. */
    static final Duration SNAPSHOT_WAIT = Duration.ofSeconds(5);
    private final CamFlux engine;
    private final Clock clock;

    EngineStatusPage(CamFlux engine, Clock clock) {
        this.engine = engine;
        this.clock = clock;
    }

    @Override
    public List<Map<String, Object>> cameras() {
        List<Map<String, Object>> out = new ArrayList<>();
        long now = clock.millis();
        for (CameraView c : engine.cameras()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("camera_uuid", c.cameraUuid());
            m.put("state", c.state() == null ? "CONNECTING" : c.state().name());
            m.put("decoder", c.decoder());
            m.put("model", c.config().model());
            m.put("decoded_fps", round(c.decodedFps()));
            m.put("inferred_fps", round(c.inferredFps()));
            m.put("last_frame_age_s", c.lastFrameEpochMs() == 0 ? null : round((now - c.lastFrameEpochMs()) / 1000.0));
            FrameCounts counts = c.ledger();
            Map<String, Long> dropped = new LinkedHashMap<>();
            for (DropReason r : DropReason.values()) {
                if (r != DropReason.INFERRED) {
                    dropped.put(r.label(), counts.releasedCount(r));
                }
            }
            m.put("dropped", dropped);
            long sampled = counts.decodedCount() - counts.releasedCount(DropReason.SAMPLED_OUT);
            m.put("motion_pass_rate", sampled <= 0 ? null
                    : round(1.0 - (double) counts.releasedCount(DropReason.NO_MOTION) / sampled));
            LastInference latest = engine.lastInference(c.cameraUuid()).orElse(null);
            m.put("last_inferred", latest == null ? null : latest.at().toString());
            m.put("detections", latest == null ? List.of() : EventJson.tree(latest.detections()));
            out.add(m);
        }
        return out;
    }

    @Override
    public boolean has(String cameraUuid) {
        return engine.cameras().stream().anyMatch(c -> c.cameraUuid().equals(cameraUuid));
    }

    @Override
    public Mono<byte[]> snapshot(String cameraUuid) {
        return engine.snapshot(cameraUuid, SNAPSHOT_WAIT);
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 100) / 100.0 : 0;
    }
}
