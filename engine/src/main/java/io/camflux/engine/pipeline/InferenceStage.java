package io.camflux.engine.pipeline;

import io.camflux.engine.DetectionEvent;
import io.camflux.engine.DropReason;
import io.camflux.engine.ObjectEvent;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.TrackingConfig;
import io.camflux.engine.metrics.CameraMeters;
import io.camflux.engine.source.VideoFrame;
import io.camflux.engine.status.Snapshots;
import io.camflux.engine.tracking.SceneAnalytics;
import io.camflux.engine.tracking.Tracker;
import io.camflux.model.Detection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * Turns the detector operator's results into events, releasing each batch's frames; with tracking on, numbers each
 * camera's objects and, with object events asked for, says what they did (zones, lines, lifecycle).
 */
final class InferenceStage {
    private static final Logger log = LoggerFactory.getLogger(InferenceStage.class);

    private final String runnerId;
    private final String shardId;
    private volatile boolean emitEmpty;
    private final Clock clock;
    private final Timer e2eLatency;
    /** Each model's batch meters, tagged with its name. */
    private final Map<String, ModelMeters> models = new LinkedHashMap<>();
    private final Snapshots snapshots;
    private final TrackingConfig tracking;
    private final Counter tracksStarted;
    /** One tracker per camera; this stage sees each camera's frames in order, one batch at a time. */
    private final Map<String, Tracker> trackers = new ConcurrentHashMap<>();
    private final Map<String, SceneAnalytics> scenes = new ConcurrentHashMap<>();
    private final ObjectEventOutlet objects;

    /** A model's session runs, batch sizes and failed batches. */
    private record ModelMeters(Timer inferenceLatency, DistributionSummary batchSize, Counter batchErrors) {
        static ModelMeters register(String model, MeterRegistry registry) {
            return new ModelMeters(Timer.builder("inference.latency")
                    .description("session run per batch (letterbox and decoding overlap it)").tag("model", model)
                    .publishPercentileHistogram().publishPercentiles(0.5, 0.95, 0.99).register(registry),
                    DistributionSummary.builder("batch.size").description("frames per inference batch")
                            .tag("model", model).register(registry),
                    Counter.builder("inference.errors").description("batches the detector failed on")
                            .tag("model", model).register(registry));
        }
    }

    InferenceStage(ShardConfig shard, java.util.Collection<String> modelNames, Clock clock, MeterRegistry registry,
                   Snapshots snapshots) {
        this.snapshots = snapshots;
        this.runnerId = shard.runnerId();
        this.shardId = shard.shardId();
        this.emitEmpty = shard.emitEmpty();
        this.clock = clock;
        for (String model : modelNames) {
            models.put(model, ModelMeters.register(model, registry));
        }
        this.e2eLatency = Timer.builder("e2e.latency").description("frame decoded to event created")
                .publishPercentileHistogram().publishPercentiles(0.5, 0.95, 0.99).register(registry);
        this.tracking = shard.tracking();
        this.objects = new ObjectEventOutlet(registry, 4096);
        this.tracksStarted = Counter.builder("objects.tracked").description("tracks confirmed (objects seen)")
                .register(registry);
    }

    void setEmitEmpty(boolean value) {
        emitEmpty = value;
    }

    private final Map<String, Long> lastUnpreparedLog = new ConcurrentHashMap<>();

    /** Releases the batch's frames and turns its detections (by {@code model}) into events. */
    List<DetectionEvent> toEvents(String model, DetectionOperator.Output<List<VideoFrame>> done) {
        List<VideoFrame> batch = done.payload();
        ModelMeters meters = models.get(model);
        if (done.error() != null) {
            meters.batchErrors().increment();
            log.error("inference failed on a batch of {} frames; they are dropped", batch.size(), done.error());
            batch.forEach(f -> f.release(DropReason.INFERENCE_ERROR));
            return List.of();
        }
        List<List<Detection>> results = done.detections();
        List<Throwable> frameErrors = done.frameErrors();
        List<List<DetectionEvent.Detected>> inSource = new ArrayList<>(batch.size());
        Instant inferredAt = clock.instant();
        for (int i = 0; i < batch.size(); i++) {
            VideoFrame frame = batch.get(i);
            inSource.add(results.get(i) == null ? null : tracked(frame, results.get(i)));
            if (frameErrors != null && frameErrors.get(i) != null) {
                Long last = lastUnpreparedLog.get(frame.cameraUuid());
                long now = System.nanoTime();
                if (last == null || now - last > 10_000_000_000L) {
                    lastUnpreparedLog.put(frame.cameraUuid(), now);
                    log.warn("camera {}: frame {} cannot be prepared for the detector ({}); dropped, its batch-mates are"
                        + " detected (said once per 10 s a camera)", frame.cameraUuid(), frame.frameId(),
                        frameErrors.get(i).toString());
                }
                frame.release(DropReason.INFERENCE_ERROR);
            } else {
                if (results.get(i) != null) {
                    // the frame is still this stage's: a snapshot someone asked for is drawn from it now
                    snapshots.inferred(frame, results.get(i), inSource.get(i), inferredAt);
                }
                frame.release(DropReason.INFERRED);
            }
        }
        meters.inferenceLatency().record(done.inferenceNanos(), TimeUnit.NANOSECONDS);
        meters.batchSize().record(batch.size());
        double inferenceS = done.inferenceNanos() / 1e9;
        List<DetectionEvent> events = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (results.get(i) == null) {
                continue;
            }
            VideoFrame frame = batch.get(i);
            CameraMeters camera = frame.meters();
            camera.inferred(frame.grabNanos());
            List<Detection> found = results.get(i);
            if (found.isEmpty() && !emitEmpty) {
                continue;
            }
            long e2eNanos = System.nanoTime() - frame.grabNanos();
            e2eLatency.record(e2eNanos, TimeUnit.NANOSECONDS);
            events.add(new DetectionEvent(clock.instant(), runnerId, shardId, frame.source().tenantId(),
                    frame.source().siteId(), frame.cameraUuid(), frame.frameId(), camera.inferredFps(), model,
                    inSource.get(i),
                    new DetectionEvent.Latency(inferenceS, e2eNanos / 1e9)));
        }
        return events;
    }

    /** The frame's detections in source pixels, each with its track's id when tracking is on. */
    private List<DetectionEvent.Detected> tracked(VideoFrame frame, List<Detection> found) {
        List<DetectionEvent.Detected> out = new ArrayList<>(found.size());
        long[] ids = null;
        Tracker.Update u = null;
        if (tracking.enabled()) {
            u = trackers.computeIfAbsent(frame.cameraUuid(), k -> new Tracker(Tracker.Settings.of(tracking)))
                    .update(found, frame.ptsMicros() / 1e6);
            ids = u.trackIds();
            tracksStarted.increment(u.started().size());
        }
        for (int j = 0; j < found.size(); j++) {
            DetectionEvent.Detected d = toEvent(found.get(j), frame.scaleX(), frame.scaleY());
            out.add(ids == null ? d : d.withTrack(ids[j]));
        }
        if (u != null && tracking.events().objects()) {
            SceneAnalytics scene = scenes.computeIfAbsent(frame.cameraUuid(),
                    k -> new SceneAnalytics(frame.source(), runnerId, shardId));
            scene.checkPicture(frame.sourceWidth(), frame.sourceHeight());
            for (ObjectEvent e : scene.frame(u, out, frame.ptsMicros() / 1e6, clock.instant(),
                    frame.scaleX(), frame.scaleY())) {
                objects.emit(e);
            }
        }
        return out;
    }

    /** Object events (with tracking and {@code events} objects or both); completes with {@link #complete()}. */
    Flux<ObjectEvent> objects() {
        return objects.events();
    }

    /** The detections flux ended: so do the object events. */
    synchronized void complete() {
        for (String camera : List.copyOf(trackers.keySet())) {
            forget(camera);
        }
        objects.complete();
    }

    /** A camera left the set, or the pipeline ended: its tracks end, and their object.end events go out. */
    void forget(String cameraUuid) {
        Tracker tracker = trackers.remove(cameraUuid);
        SceneAnalytics scene = scenes.remove(cameraUuid);
        if (tracker == null || scene == null) {
            return;
        }
        for (ObjectEvent e : scene.close(tracker.close(), clock.instant())) {
            objects.emit(e);
        }
    }

    /** A detection in the frame's image, as an event in source pixels. */
    private static DetectionEvent.Detected toEvent(Detection d, double sx, double sy) {
        return new DetectionEvent.Detected(d.className(), d.classId(), d.confidence(),
                new DetectionEvent.Box((float) (d.x1() * sx), (float) (d.y1() * sy), (float) (d.x2() * sx),
                        (float) (d.y2() * sy)));
    }
}
