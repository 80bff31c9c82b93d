package io.camflux.engine.pipeline;

import io.camflux.engine.DetectionEvent;
import io.camflux.engine.DropReason;
import io.camflux.engine.FrameDetector;
import io.camflux.engine.ObjectEvent;
import io.camflux.engine.config.BatchConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.motion.MotionGate;
import io.camflux.engine.source.Camera;
import io.camflux.engine.source.VideoFrame;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The data path, top to bottom: per camera rate sampling and the motion gate (in the reader, before conversion) and
 * latest-wins; then merge across the cameras' runs (a flux of camera fluxes: cameras join and leave while it runs),
 * cross-camera batches, and the detector operator (letterbox ahead, one session run per batch on the inference
 * threads, decoding behind it).
 * At most one frame waits per camera between stages, so a slow detector makes cameras drop frames at the
 * source instead of growing queues.
 */
public final class DetectionPipeline {
    private volatile double maxFps;
    private final int maxRuns;
    private final Function<SourceConfig, MotionGate> motionGates;
    private final InferenceStage inference;
    /** One lane per model, by name: its own batches, detector and meters. */
    private final Map<String, ModelLane> lanes = new LinkedHashMap<>();
    private final Scheduler timer;

    /** A model's part of the data path: cross-camera batches of its cameras only, through its detector. */
    private record ModelLane(String model, BatchConfig batch, DetectionOperator<List<VideoFrame>> detector) {
    }

    /**
     * @param detectors   the detector of each model by name (the shard's {@code model} and {@code models}); each
     *                    camera's frames go to its {@code model}'s
     * @param motionGates a camera's motion gate, by its config
     * @param snapshots   where each inferred frame is offered before its release (the status page)
     */
    public DetectionPipeline(PipelineOptions options, Function<SourceConfig, MotionGate> motionGates,
                             Map<String, FrameDetector> detectors, io.camflux.engine.status.Snapshots snapshots) {
        this.maxRuns = options.maxRuns();
        this.maxFps = options.shard().maxFps();
        this.motionGates = motionGates;
        this.timer = options.threads().timer();
        for (Map.Entry<String, FrameDetector> d : detectors.entrySet()) {
            BatchConfig batch = options.shard().batchOf(d.getKey());
            lanes.put(d.getKey(), new ModelLane(d.getKey(), batch, new DetectionOperator<>(d.getValue(),
                    options.threads().cpu(), options.threads().inference(), batch.prepareThreads(),
                    d.getValue().concurrency(), DetectionPipeline::releaseAll)));
        }
        if (lanes.isEmpty()) {
            throw new IllegalArgumentException("no detector");
        }
        this.inference = new InferenceStage(options.shard(), lanes.keySet(), options.clock(), options.registry(),
                snapshots);
    }

    /**
     * What tracked objects do (with tracking on and {@code events} objects or both), while the detections flux
     * runs; it completes when that flux ends. Subscribe before the detections: earlier events wait in a bounded
     * buffer for the first subscriber only.
     */
    public Flux<ObjectEvent> objects() {
        return inference.objects();
    }

    /** A camera left the set: what the pipeline kept of it (its tracks) goes. */
    public void forget(String cameraUuid) {
        inference.forget(cameraUuid);
    }

    /**
     * The detection events of the cameras' runs; cold: each subscription connects them. A run's frames end when
     * it is stopped; {@code stopIntake} ends every run and the arrival of new ones; what is already in flight still
     * finishes, then the flux completes. The runs split by their camera's model; each model batches across its own
     * cameras.
     */
    public Flux<DetectionEvent> detections(Flux<CameraRun> runs, Publisher<?> stopIntake) {
        return runs.takeUntilOther(stopIntake)
                .groupBy(this::lane)
                .flatMap(modelRuns -> detect(modelRuns.key(), modelRuns, stopIntake), lanes.size(), 1)
                .doFinally(signal -> inference.complete())
                .doOnDiscard(DetectionOperator.Output.class, out -> releaseAll((Collection<?>) out.payload()))
                .doOnDiscard(VideoFrame.class, f -> f.release(DropReason.CANCELLED))
                .doOnDiscard(Collection.class, DetectionPipeline::releaseAll);
    }

    private Flux<DetectionEvent> detect(ModelLane lane, Flux<CameraRun> runs, Publisher<?> stopIntake) {
        return Flux.merge(runs.map(run -> cameraFrames(run, stopIntake)), maxRuns, 1)
                .bufferTimeout(lane.batch().maxSize(), lane.batch().maxWait(), timer, true)
                .map(frames -> new DetectionOperator.Input<>(frames, frames.stream().map(VideoFrame::image).toList()))
                .transform(lane.detector())
                .concatMapIterable(done -> inference.toEvents(lane.model(), done), 1);
    }

    /** The camera's model's lane; the config checked that the model exists. */
    private ModelLane lane(CameraRun run) {
        ModelLane lane = lanes.get(run.camera().config().model());
        if (lane == null) {
            throw new IllegalStateException("camera " + run.camera().config().cameraUuid() + ": "
                    + io.camflux.engine.config.ShardConfig.modelProblem(run.camera().config().model(), lanes.keySet()));
        }
        return lane;
    }

    private Flux<VideoFrame> cameraFrames(CameraRun run, Publisher<?> stopIntake) {
        // sampling and the motion gate run on the camera's own thread before a frame is converted to an image (the
        // gate reads the decoded luma), so their cost spreads over cores, frames they drop cost no conversion, and
        // the latest-wins slot only holds a frame worth detecting
        Camera camera = run.camera();
        boolean live = camera.config().isNetwork() || camera.config().realtime();
        RateSampler sampler = new RateSampler(() -> maxFps, live ? System::nanoTime : null);
        MotionGate gate = motionGates.apply(camera.config());
        // the run ends at whichever comes first: the end of intake, or the camera set stopping it
        Flux<VideoFrame> frames = camera.frames(sampler, gate::open,
                        Mono.firstWithSignal(Mono.from(stopIntake).then(), run.stopSignal()))
                .doOnSubscribe(s -> run.markSubscribed())
                .doFinally(signal -> run.markEnded());
        if (camera.config().isNetwork() || camera.config().realtime()) {
            // a live camera does not wait: what the pipeline cannot take now is replaced by the next frame
            return LatestFrame.of(frames);
        }
        // a file read at full speed is offline work: its reader waits for the pipeline and nothing is dropped
        return frames;
    }

    /** Every camera samples at the new rate from its next frame on (no reconnect). */
    public void setMaxFps(double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException("max_fps must be > 0, got " + value);
        }
        maxFps = value;
    }

    public double maxFps() {
        return maxFps;
    }

    /** Whether frames without detections still make an event, from the next batch on. */
    public void setEmitEmpty(boolean value) {
        inference.setEmitEmpty(value);
    }

    private static void releaseAll(Collection<?> items) {
        for (Object item : items) {
            if (item instanceof VideoFrame f) {
                f.release(DropReason.CANCELLED);
            }
        }
    }
}
