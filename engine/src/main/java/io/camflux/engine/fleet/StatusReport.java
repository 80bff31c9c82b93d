package io.camflux.engine.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The body of a renewal (docs/control-plane.md): each camera's state, rate, last frame age and the error codes
 * seen since the previous report, and the worker's pipeline rate, latency percentiles and events pending and lost.
 */
final class StatusReport {
    private final CamFlux engine;
    private final MeterRegistry registry;
    private final String runnerId;
    /** Error counts by camera and code at the previous report, to report only what is new. */
    private final Map<String, Double> errorsBefore = new HashMap<>();

    StatusReport(CamFlux engine, String runnerId) {
        this.engine = engine;
        this.registry = engine.meterRegistry();
        this.runnerId = runnerId;
    }

    ObjectNode build(Lease lease, boolean draining) {
        ObjectNode report = ControlPlaneClient.JSON.createObjectNode();
        report.put("runner_id", runnerId);
        report.put("shard_id", lease.shardId());
        report.put("epoch", lease.epoch());
        report.put("shard_version", lease.shardVersion());
        ObjectNode worker = report.putObject("worker");
        worker.put("draining", draining);
        worker.put("pipeline_fps", engine.cameras().stream().mapToDouble(CameraView::inferredFps).sum());
        worker.put("inference_p99_s", p99("inference.latency"));
        worker.put("e2e_p99_s", p99("e2e.latency"));
        Gauge pending = registry.find("events.pending").gauge();
        worker.put("events_pending", pending == null ? 0 : (long) pending.value());
        worker.put("events_lost", io.camflux.engine.publish.LostEvents.total(registry));
        ArrayNode cameras = report.putArray("cameras");
        long now = System.currentTimeMillis();
        for (CameraView c : engine.cameras()) {
            ObjectNode n = cameras.addObject();
            n.put("camera_uuid", c.cameraUuid());
            n.put("state", c.state() == null ? "CONNECTING" : c.state().name());
            n.put("fps", c.decodedFps());
            n.put("inferred_fps", c.inferredFps());
            if (c.lastFrameEpochMs() == 0) {
                n.putNull("last_frame_age_s");
            } else {
                n.put("last_frame_age_s", (now - c.lastFrameEpochMs()) / 1000.0);
            }
            ArrayNode errors = n.putArray("errors");
            for (Counter counter : registry.find("stream.errors").tag("camera_uuid", c.cameraUuid()).counters()) {
                String code = counter.getId().getTag("code");
                double count = counter.count();
                Double before = errorsBefore.put(c.cameraUuid() + "\u0000" + code, count);
                if (before == null || count > before) {
                    errors.add(code);
                }
            }
        }
        return report;
    }

    /** The worst p99 of the timers of that name (inference has one per model). */
    private double p99(String timer) {
        double worst = 0;
        for (Timer t : registry.find(timer).timers()) {
            for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
                if (v.percentile() == 0.99) {
                    worst = Math.max(worst, v.value(TimeUnit.SECONDS));
                }
            }
        }
        return worst;
    }
}
