package io.camflux.engine;

import io.camflux.engine.config.MotionConfig;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.metrics.CameraMeters;
import io.camflux.engine.motion.MotionGate;
import io.camflux.engine.motion.OpenCvMotionGate;
import io.camflux.engine.pipeline.DetectionPipeline;
import io.camflux.engine.pipeline.PipelineOptions;
import io.camflux.engine.source.AnalysisSize;
import io.camflux.engine.source.Backoff;
import io.camflux.engine.source.Camera;
import io.camflux.engine.source.DecoderBackend;
import io.camflux.engine.source.FrameLedger;
import io.camflux.engine.source.StreamReader;
import io.camflux.engine.source.ThreadNice;
import io.camflux.engine.status.Snapshots;
import io.camflux.engine.status.StatusReporter;
import io.camflux.engine.detect.Detectors;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The engine for one shard, embeddable in any Reactor application:
 * <pre>{@code
 * try (CamFlux engine = CamFlux.builder(config).build()) {
 *     engine.detections().filter(e -> !e.detections().isEmpty()).subscribe(...);
 * }
 * }</pre>
 * {@link #detections()} is shared: the cameras connect with the first subscriber and disconnect when the last
 * one cancels. {@link #stopIntake()} ends the cameras, lets what is in flight finish, then completes it.
 */
public final class CamFlux implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CamFlux.class);

    private final ShardConfig config;
    private final LiveCameras cameras;
    private final DetectionPipeline pipeline;
    private final Snapshots snapshots;
    private final Detectors detectors;
    /** null when the options gave an opener of their own */
    private final DecoderBackend decoders;
    private final MeterRegistry registry;
    private final List<ExecutorService> threads;
    private final Sinks.Empty<Void> stopIntake = Sinks.empty();
    private final Flux<DetectionEvent> detections;
    private final Sinks.Empty<Void> finished = Sinks.empty();
    private final AtomicBoolean started = new AtomicBoolean();
    private final Scheduler timer;
    private final Clock clock;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The motion gate's settings now: the default gates read it per frame, so a change applies live. */
    private volatile MotionConfig motion;
    private volatile boolean motionNativesChecked;

    private CamFlux(CamFluxOptions options, DecoderBackend decoders, Detectors detectors) {
        this.config = options.config();
        this.detectors = detectors;
        this.decoders = decoders;
        this.registry = options.registry();
        this.timer = options.timer();
        this.clock = options.clock();
        this.motion = config.motion();
        this.motionNativesChecked = config.motion().enabled();
        this.threads = new ArrayList<>();
        Backoff backoff = new Backoff(config.reconnect(), options.random());
        this.snapshots = new Snapshots();
        this.cameras = new LiveCameras(config.sources(), (source, grabThread) -> {
            FrameLedger ledger = new FrameLedger(new CameraMeters(source.cameraUuid(), registry));
            Camera camera = new Camera(source, options.opener(), backoff, grabThread, timer, clock, ledger);
            ledger.meters().bind(camera, clock);
            return camera;
        }, name -> cameraThread(name, this::cameraCount), timer, options.maxSources(), this::forget);
        Scheduler inferenceThreads = Schedulers.fromExecutorService(threadPool("camflux-inference",
                detectors.concurrency()));
        int prepareThreads = detectors.byName().keySet().stream()
                .mapToInt(name -> config.batchOf(name).prepareThreads()).max().orElse(1);
        Scheduler cpu = Schedulers.fromExecutorService(threadPool("camflux-cpu", prepareThreads));
        Function<SourceConfig, MotionGate> motionGates = source -> new OpenCvMotionGate(() -> motion, source);
        this.pipeline = new DetectionPipeline(new PipelineOptions(config, 2 * options.maxSources(), clock, registry,
                new PipelineOptions.Threads(inferenceThreads, cpu, timer)), motionGates, detectors.byName(), snapshots);
        detectors.bindMetrics(registry);
        this.detections = pipeline.detections(cameras.runs(), stopIntake.asMono())
                .doOnSubscribe(s -> started.set(true))
                .doFinally(signal -> finished.tryEmitEmpty())
                .share();
        // the engine's own series, the same for the CLI and an embedding application
        io.camflux.engine.metrics.EngineMetrics.bindPipeline(this, registry);
    }

    public static Builder builder(ShardConfig config) {
        return new Builder(config);
    }

    /**
     * Builds an engine from options; opens the model (resolving, and if need be downloading, it) unless they give
     * a detector.
     */
    static CamFlux create(CamFluxOptions options) throws IOException {
        ShardConfig config = options.config();
        // before the model: NVDEC's first context may be the GPU's primary one, whose flags its first user sets
        DecoderBackend decoders = options.opener() == null ? new DecoderBackend(config.decode()) : null;
        try {
            if (decoders != null) {
                decoders.prepare(config.sources());
            }
            return create(options, decoders);
        } catch (IOException | RuntimeException e) {
            if (decoders != null) {
                decoders.close();
            }
            throw e;
        }
    }

    private static CamFlux create(CamFluxOptions options, DecoderBackend decoders) throws IOException {
        ShardConfig config = options.config();
        Detectors d = Detectors.open(config, options.detectors());
        for (int i = 0; i < config.sources().size(); i++) {
            String problem = ShardConfig.modelProblem(config.sources().get(i).model(), d.byName().keySet());
            if (problem != null) {
                d.close();
                throw new IllegalArgumentException("sources[" + i + "].model: " + problem);
            }
        }
        if (config.motion().enabled()) {
            try {
                OpenCvMotionGate.requireNatives();
            } catch (IllegalStateException e) {
                d.close();
                throw e;
            }
        }
        StreamReader.Opener opener = options.opener();
        if (decoders != null) {
            // kept frames at the detector's size, but never narrower than the motion gate works
            int minWidth = config.motion().enabled() ? config.motion().workingWidth() : 0;
            opener = decoders.opener(AnalysisSize.of(d.largestInput(), minWidth));
        }
        return new CamFlux(options.withOpener(opener), decoders, d);
    }

    /** Detection events of all cameras, in the order batches finish. */
    public Flux<DetectionEvent> detections() {
        return detections;
    }

    /**
     * Camera state changes: each camera's current state first, then every change, of the cameras there are now and
     * of those added later (a removed camera's changes end with its last, DISCONNECTED with reason {@code removed}).
     */
    public Flux<CameraStatus> statuses() {
        return cameras.cameras().flatMap(Camera::statuses, Integer.MAX_VALUE);
    }

    /** The sink delivered {@code event}: counted in its camera's {@code detections_published_total}. */
    public void recordPublished(DetectionEvent event) {
        Camera camera = cameras.camera(event.cameraUuid());
        if (camera != null) {
            camera.ledger().meters().published();
        }
    }

    /** Adds a camera while the engine runs; an error if its id is in the set or the set holds max_sources. */
    public Mono<CameraChange> add(SourceConfig source) {
        return withKnownModel(source).flatMap(cameras::add);
    }

    /** The names a camera's {@code model} may take: the config's models and the detectors the builder was given. */
    public java.util.Set<String> models() {
        return detectors.byName().keySet();
    }

    private Mono<SourceConfig> withKnownModel(SourceConfig source) {
        String problem = ShardConfig.modelProblem(source.model(), models());
        return problem == null ? Mono.just(source)
                : Mono.error(new IllegalArgumentException("camera " + source.cameraUuid() + ": " + problem));
    }

    /**
     * Adds the camera, or replaces the one with its id if its config differs: only that camera restarts. UNCHANGED
     * when it is the same.
     */
    public Mono<CameraChange> put(SourceConfig source) {
        return withKnownModel(source).flatMap(cameras::put);
    }

    /**
     * Stops a camera: its intake ends, its frames in flight are detected and published, then its thread, native
     * memory and meters are freed. Completes after that; an error if the camera is unknown.
     */
    public Mono<CameraChange> remove(String cameraUuid) {
        return cameras.remove(cameraUuid);
    }

    /** Stops decoding and closes the connection; the camera stays in the set, PAUSED. */
    public Mono<CameraChange> pause(String cameraUuid) {
        return cameras.pause(cameraUuid);
    }

    /** Reconnects a paused camera. */
    public Mono<CameraChange> resume(String cameraUuid) {
        return cameras.resume(cameraUuid);
    }

    /** Makes the camera set {@code desired}: the diff is applied, cameras it does not change are not touched. */
    public Mono<List<CameraChange>> apply(List<SourceConfig> desired) {
        return apply(desired, "removed");
    }

    /**
     * As {@link #apply(List)}; each removed camera's last status event, DISCONNECTED, carries {@code removedReason}
     * (e.g. {@code lease_lost}) instead of {@code removed}.
     */
    public Mono<List<CameraChange>> apply(List<SourceConfig> desired, String removedReason) {
        return Flux.fromIterable(desired).concatMap(this::withKnownModel).collectList()
                .flatMap(known -> cameras.apply(known, removedReason));
    }

    /**
     * Changes {@code max_fps} while the engine runs: every camera samples at the new rate from its next frame on,
     * without reconnecting. {@link #config()} still shows the rate it was built with.
     */
    public void setMaxFps(double value) {
        pipeline.setMaxFps(value);
    }

    /** The sampling rate now. */
    public double maxFps() {
        return pipeline.maxFps();
    }

    /** Changes {@code emit_empty} while the engine runs, from the next batch on. */
    public void setEmitEmpty(boolean value) {
        pipeline.setEmitEmpty(value);
    }

    /**
     * Changes {@code motion_config} while the engine runs: every camera's gate starts afresh with it from its next
     * frame (no reconnect); disabled, every frame passes. No effect on gates given to the builder.
     *
     * @throws IllegalStateException enabling it on a host where OpenCV's video module does not load
     */
    public void setMotionConfig(MotionConfig value) {
        if (value.enabled() && !motionNativesChecked) {
            OpenCvMotionGate.requireNatives();
            motionNativesChecked = true;
        }
        motion = value;
    }

    /** The motion gate's settings now. */
    public MotionConfig motionConfig() {
        return motion;
    }

    /** Whether a camera is in the set but paused (not expected to stream). */
    public boolean isPaused(String cameraUuid) {
        return cameras.isPaused(cameraUuid);
    }

    /** The cameras now, then each camera added later. */
    public Flux<CameraView> cameraSet() {
        return cameras.cameras().cast(CameraView.class);
    }

    /** The camera with this id, if it is in the set. */
    public java.util.Optional<CameraView> camera(String cameraUuid) {
        return java.util.Optional.ofNullable(cameras.camera(cameraUuid));
    }

    /**
     * What goes to {@code ex_status}: each camera's state changes (edge-triggered; failures with their retry
     * delay) and, every {@code telemetry.report_interval_seconds}, a summary of every camera.
     */
    public Flux<StatusEvent> statusEvents() {
        return StatusReporter.events(statuses(), this::summaries, config.reportInterval(), timer);
    }

    private List<StatusEvent.Summary> summaries() {
        List<Camera> now = cameras.snapshot();
        List<StatusEvent.Summary> out = new ArrayList<>(now.size());
        long nowMs = clock.millis();
        for (Camera c : now) {
            long last = c.lastFrameEpochMs();
            out.add(new StatusEvent.Summary(c.config().cameraUuid(), c.config().tenantId(), c.config().siteId(),
                    c.state() == null ? CameraState.CONNECTING : c.state(), clock.instant(), c.decodedFps(),
                    last == 0 ? null : Instant.ofEpochMilli(last), last == 0 ? -1 : (nowMs - last) / 1000.0,
                    motion.enabled() ? motionSummary(c.ledger().meters()) : null));
        }
        return out;
    }

    private static StatusEvent.MotionSummary motionSummary(CameraMeters meters) {
        long passed = meters.motionPassed(), skipped = meters.motionSkipped(), seen = passed + skipped;
        return new StatusEvent.MotionSummary(seen, passed, skipped, seen == 0 ? 0 : (double) skipped / seen);
    }

    /** Ends intake: cameras stop, frames in flight are still detected, then {@link #detections()} completes. */
    public Mono<Void> stopIntake() {
        stopIntake.tryEmitEmpty();
        return finished.asMono();
    }

    /** Completes when the detection flux has ended (completed, failed or cancelled). */
    public Mono<Void> finished() {
        return finished.asMono();
    }

    /**
     * What tracked objects do, with {@code tracking} on and {@code events} objects or both: {@code object.new},
     * {@code object.end}, {@code zone.enter}, {@code zone.exit}, {@code line.cross}. Hot, and produced by the
     * pipeline that {@link #detections()} runs: subscribe to it first; it completes when the detections do.
     */
    public Flux<ObjectEvent> objectEvents() {
        return pipeline.objects();
    }

    /** A camera left the set and its resources are freed: what the pipeline and the status page kept of it goes. */
    private void forget(String cameraUuid) {
        snapshots.forget(cameraUuid);
        pipeline.forget(cameraUuid);
    }

    /** The camera's last inferred frame; empty before its first, or for a camera not in the set. */
    public java.util.Optional<LastInference> lastInference(String cameraUuid) {
        return java.util.Optional.ofNullable(snapshots.latest(cameraUuid));
    }

    /**
     * A JPEG of the camera's next inferred frame with its boxes (and motion mask) drawn; empty when none comes within
     * {@code timeout} (a camera that is not streaming, or whose frames the motion gate keeps from the detector). Only
     * frames someone asked for are drawn.
     */
    public Mono<byte[]> snapshot(String cameraUuid, Duration timeout) {
        return snapshots.next(cameraUuid, timeout);
    }

    /** The cameras now, paused ones included, in the order they were added. */
    public List<CameraView> cameras() {
        return List.copyOf(cameras.snapshot());
    }

    public MeterRegistry meterRegistry() {
        return registry;
    }

    public ShardConfig config() {
        return config;
    }

    /**
     * Stops intake, waits up to 10 s for in-flight work (if the pipeline ever ran), then frees threads and the model.
     * Later calls do nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopIntake.tryEmitEmpty();
        Mono<Void> drained = started.get() ? finished.asMono() : Mono.empty();
        drained.timeout(Duration.ofSeconds(10), Mono.fromRunnable(() ->
                log.warn("in-flight work did not finish within 10 s; closing anyway"))).block();
        for (ExecutorService t : threads) {
            t.shutdownNow();
        }
        // one deadline for all: with hundreds of cameras, a wait per thread would add up to minutes
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int stuck = cameras.close(deadline);
        for (ExecutorService t : threads) {
            try {
                if (!t.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    stuck++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (stuck > 0) {
            log.warn("{} CamFlux thread pool(s) did not stop within 10 s", stuck);
        }
        if (decoders != null) {
            decoders.close();
        }
        detectors.close();
    }

    /** A pool the engine closes itself. */
    private ExecutorService threadPool(String name, int size) {
        ExecutorService executor = daemonPool(name, size);
        threads.add(executor);
        return executor;
    }

    /**
     * A camera's own thread (named by {@link LiveCameras}: {@code camflux-grab-<camera_uuid>}), lowered to a priority
     * the lower the more cameras there are per core once its camera streams ({@link ThreadNice}); whatever it logs
     * carries the camera's id in the MDC ({@code camera_uuid} in JSON logs).
     */
    private static ExecutorService cameraThread(String name, java.util.function.IntSupplier cameraCount) {
        String cameraUuid = name.startsWith(LiveCameras.THREAD_PREFIX) ? name.substring(LiveCameras.THREAD_PREFIX.length())
                : name;
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(() -> {
                org.slf4j.MDC.put("camera_uuid", cameraUuid);
                ThreadNice.lowerWhenStreaming(() -> ThreadNice.forCameras(cameraCount.getAsInt(),
                        Runtime.getRuntime().availableProcessors()));
                r.run();
            }, name);
            t.setDaemon(true);
            return t;
        });
    }

    private int cameraCount() {
        return cameras.snapshot().size();
    }

    private static ExecutorService daemonPool(String name, int size) {
        AtomicInteger index = new AtomicInteger();
        return Executors.newFixedThreadPool(size, r -> {
            Thread t = new Thread(r, size == 1 ? name : name + "-" + index.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Builds an engine: collects the parts that replace a production default (a meter registry, a detector of one's
     * own, a timer scheduler and a clock) into the immutable options it is made of, then creates it.
     */
    public static final class Builder {
        private final ShardConfig config;
        private MeterRegistry registry = new SimpleMeterRegistry();
        private final java.util.Map<String, FrameDetector> detectors = new java.util.LinkedHashMap<>();
        private StreamReader.Opener opener;
        private Scheduler timer = Schedulers.parallel();
        private Clock clock = Clock.systemUTC();
        private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
        private int maxSources;

        private Builder(ShardConfig config) {
            this.config = config;
            this.maxSources = config.maxSources();
        }

        /** The most cameras the set holds (the config's {@code max_sources} unless set); an add beyond it is refused. */
        public Builder maxSources(int maxSources) {
            if (maxSources < 1) {
                throw new IllegalArgumentException("max_sources must be at least 1, got " + maxSources);
            }
            this.maxSources = maxSources;
            return this;
        }

        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** The detector to use instead of opening the configured {@code model} (the default); the engine closes it. */
        public Builder detector(FrameDetector detector) {
            return detector(ShardConfig.DEFAULT_MODEL, detector);
        }

        /**
         * The detector of the cameras whose {@code model} is {@code name}: instead of opening the config's
         * {@code models.name}, or a model the config does not have. The engine closes it.
         */
        public Builder detector(String name, FrameDetector detector) {
            if (!SourceConfig.ID.matcher(name).matches()) {
                throw new IllegalArgumentException("a model's name is " + SourceConfig.ID_RULE + ", got '" + name + "'");
            }
            this.detectors.put(name, java.util.Objects.requireNonNull(detector, "detector"));
            return this;
        }

        /**
         * How cameras are opened, instead of the engine's decoders by the source's {@code decoder}: a seam for tests and
         * benches (synthetic streams), not API; tests outside this package reach it through their EngineParts.
         */
        Builder streamOpener(StreamReader.Opener opener) {
            this.opener = opener;
            return this;
        }

        /** Where timed work runs (batch deadlines, reconnect delays): non-blocking. */
        public Builder timer(Scheduler timer) {
            this.timer = timer;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Uniform in [0, 1): the reconnect backoff's jitter. */
        public Builder random(DoubleSupplier random) {
            this.random = random;
            return this;
        }

        CamFluxOptions options() {
            return new CamFluxOptions(config, registry, detectors, opener, timer, clock, random, maxSources);
        }

        /** Opens each model (resolving, and if need be downloading, it) unless a detector was given for it. */
        public CamFlux build() throws IOException {
            return create(options());
        }
    }
}
