package io.camflux.bench.load;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraView;
import io.camflux.engine.DropReason;
import io.camflux.engine.config.BatchConfig;
import io.camflux.engine.config.HttpConfig;
import io.camflux.engine.config.ModelConfig;
import io.camflux.engine.config.MotionConfig;
import io.camflux.engine.config.ReconnectConfig;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.model.BuiltinModel;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;

/** The engine in this JVM against N RTSP cameras, measured over a window after every camera streams. */
final class EngineLoadRun {
    private EngineLoadRun() {
    }

    static ShardConfig config(CameraSet cameras, LoadOptions o, int n) {
        List<SourceConfig> sources = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            sources.add(cameras.source(i, o.decoder()));
        }
        ModelConfig model = new ModelConfig(BuiltinModel.DEFAULT, o.provider(), 0, 0.35f, 0.45f, Set.of(), null, null,
                0, true, o.cudaOptions(), o.instances());
        Map<String, ModelConfig> models = new LinkedHashMap<>();
        if (o.models() > 1) {
            // the second model: the same network at 320x320, every other camera on it
            models.put(SMALL_MODEL, new ModelConfig(model.path(), model.provider(), 0, 0.35f, 0.45f, Set.of(), null,
                    null, 0, true, o.cudaOptions(), o.instances(), 320, 320, null));
            for (int i = 1; i < sources.size(); i += 2) {
                sources.set(i, sources.get(i).withModel(SMALL_MODEL));
            }
        }
        return new ShardConfig("bench", "bench-" + n, o.maxFps(), sources, null, Duration.ofSeconds(5),
                MotionConfig.defaults(o.motion()), model,
                new BatchConfig(o.batch(), Duration.ofMillis(50), BatchConfig.defaultPrepareThreads(), o.shapes()),
                new ReconnectConfig(Duration.ofMillis(500), Duration.ofSeconds(5), 0.2, 0), false,
                new HttpConfig("127.0.0.1", 0, 0, 0.8, Duration.ofSeconds(30)),
                // the bench loads as many cameras as it is asked for, past the engine's default guard of 256
                Math.max(n, ShardConfig.DEFAULT_MAX_SOURCES), null).withDecode(o.decode()).withModels(models);
    }

    /** The second model's name with {@code --models 2}. */
    static final String SMALL_MODEL = "small";

    static RunResult run(CameraSet cameras, LoadOptions o, int n, FfmpegBaseline.Result baseline) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong events = new AtomicLong();
        AtomicLong detections = new AtomicLong();
        Map<String, AtomicLong> detectionsByModel = new java.util.concurrent.ConcurrentHashMap<>();
        List<Map<String, Object>> timeline = new ArrayList<>();
        ChurnLoop churn = o.churnPerMinute() > 0 ? new ChurnLoop(cameras.source(1, o.decoder()), o.churnPerMinute())
                : null;
        ShardConfig shard = config(cameras, o, n);
        boolean staggered = !o.stagger().isZero() && n > 1;
        try (CamFlux engine = CamFlux.builder(staggered ? shard.withSources(shard.sources().subList(0, 1)) : shard)
                .meterRegistry(registry).build()) {
            Disposable sub = engine.detections().subscribe(e -> {
                events.incrementAndGet();
                detections.addAndGet(e.detections().size());
                detectionsByModel.computeIfAbsent(e.model(), k -> new AtomicLong()).addAndGet(e.detections().size());
                if (churn != null) {
                    churn.detected(e.cameraUuid());
                }
            });
            if (staggered) {
                addOneByOne(engine, shard.sources().subList(1, n), o.stagger());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (engine.cameras().stream().anyMatch(c -> c.state() != CameraState.STREAMING)
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            awaitSteadyDecoding(engine, n);
            Thread.sleep(3000); // warm-up: JIT, MOG2's first frames, the first batches
            GpuSampler gpu = GpuSampler.startIfPresent();
            double serverCpuStart = cameras.serverCpuSeconds();
            Snapshot start = Snapshot.take(engine, registry, events.get(), detections.get(), detectionsByModel);
            long startNanos = System.nanoTime();
            long end = startNanos + o.duration().toNanos();
            if (churn != null) {
                churn.start(engine);
            }
            long[] lastDecoded = new long[n];
            for (int i = 0; i < n; i++) {
                lastDecoded[i] = engine.cameras().get(i).ledger().decodedCount();
            }
            while (System.nanoTime() < end) {
                Thread.sleep(1000);
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("t_s", Math.round((System.nanoTime() - startNanos) / 1e8) / 10.0);
                for (int i = 0; i < n; i++) {
                    long d = engine.cameras().get(i).ledger().decodedCount();
                    point.put(engine.cameras().get(i).config().cameraUuid(), d - lastDecoded[i]);
                    lastDecoded[i] = d;
                }
                timeline.add(point);
            }
            RunResult.Churn churnFigures = churn == null ? null : churn.stop(engine);
            Snapshot stop = Snapshot.take(engine, registry, events.get(), detections.get(), detectionsByModel);
            int nvdecCameras = (int) engine.cameras().stream().filter(c -> c.decoder() != null && c.decoder().contains("(nvdec)")).count();
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            double serverCores = (cameras.serverCpuSeconds() - serverCpuStart) / seconds;
            RunResult.Gpu gpuFigures = null;
            if (gpu != null) {
                gpuFigures = gpu.figures();
                gpu.close();
            }
            long drainStart = System.nanoTime();
            try {
                engine.stopIntake().block(Duration.ofSeconds(30));
            } catch (IllegalStateException timedOut) {
                System.err.println("bench: the drain did not finish within 30 s; reporting the run all the same");
            }
            double drainS = (System.nanoTime() - drainStart) / 1e9;
            sub.dispose();
            return result(engine, registry, o, n, start, stop, seconds, baseline, timeline, drainS, gpuFigures,
                    serverCores, nvdecCameras, churnFigures);
        }
    }

    /** {@code sources} added in order, evenly over {@code window} (each as soon as the one before it is in, at the latest). */
    private static void addOneByOne(CamFlux engine, List<SourceConfig> sources, Duration window)
            throws InterruptedException {
        long start = System.nanoTime();
        for (int i = 0; i < sources.size(); i++) {
            long due = start + window.toNanos() * (i + 1) / (sources.size() + 1);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            engine.put(sources.get(i)).block(Duration.ofSeconds(30));
        }
    }

    /**
     * Until every camera decoded, over one second, at least 0.8 of what the median camera did (at most 20 s): on this
     * 2-core machine a loopback RTSP server starting 32 pipelines stalls some streams for seconds after they first
     * streamed, which is the server's start, not the engine's pace.
     */
    private static void awaitSteadyDecoding(CamFlux engine, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long[] last = new long[n];
        for (int i = 0; i < n; i++) {
            last[i] = engine.cameras().get(i).ledger().decodedCount();
        }
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            long[] delta = new long[n];
            for (int i = 0; i < n; i++) {
                long d = engine.cameras().get(i).ledger().decodedCount();
                delta[i] = d - last[i];
                last[i] = d;
            }
            long[] sorted = delta.clone();
            java.util.Arrays.sort(sorted);
            if (sorted[0] >= 0.8 * sorted[n / 2]) {
                return;
            }
        }
    }

    /**
     * One camera more, added and removed alternately at a fixed rate on its own thread while the window runs: the
     * N measured cameras must not notice. Times each add to that camera's first detection event.
     */
    private static final class ChurnLoop {
        static final String ID = "churn";
        private final SourceConfig source;
        private final long periodMillis;
        private final List<Double> firstDetectionMs = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile long addedAtNanos = -1;
        private Thread thread;
        private volatile boolean running = true;
        private int adds;
        private int removes;

        ChurnLoop(SourceConfig like, double perMinute) {
            this.source = new SourceConfig(ID, like.url(), like.siteId(), like.tenantId(), like.rtspTransport(),
                    like.loop(), like.realtime(), like.timeout(), like.motionMask(), like.decoder());
            this.periodMillis = Math.max(100, Math.round(60_000 / perMinute));
        }

        void detected(String camera) {
            long at = addedAtNanos;
            if (camera.equals(ID) && at > 0) {
                addedAtNanos = -1;
                firstDetectionMs.add((System.nanoTime() - at) / 1e6);
            }
        }

        void start(CamFlux engine) {
            thread = new Thread(() -> {
                boolean in = false;
                while (running) {
                    try {
                        if (in) {
                            engine.remove(ID).block(Duration.ofSeconds(30));
                            removes++;
                        } else {
                            addedAtNanos = System.nanoTime();
                            engine.add(source).block(Duration.ofSeconds(30));
                            adds++;
                        }
                        in = !in;
                        Thread.sleep(periodMillis);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        System.err.println("bench: churn step failed: " + e.getMessage());
                    }
                }
            }, "bench-churn");
            thread.setDaemon(true);
            thread.start();
        }

        RunResult.Churn stop(CamFlux engine) throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(35_000);
            if (engine.cameras().stream().anyMatch(c -> c.config().cameraUuid().equals(ID))) {
                engine.remove(ID).block(Duration.ofSeconds(30));
                removes++;
            }
            double[] ms = firstDetectionMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new RunResult.Churn(60_000.0 / periodMillis, adds, removes,
                    ms.length == 0 ? Double.NaN : ms[ms.length / 2],
                    ms.length == 0 ? Double.NaN : ms[Math.min(ms.length - 1, (int) Math.ceil(0.95 * ms.length) - 1)]);
        }
    }

    /** A model's counters at one moment. */
    private record ModelCounts(long batches, double batchFrames, long detections) {
    }

    private record Snapshot(long cpuNanos, long rssMb, long gcMs, long events, long detections,
                            List<Map<DropReason, Long>> released, List<Long> decoded, long batches, double batchFrames,
                            Map<String, ModelCounts> models) {
        static Snapshot take(CamFlux engine, SimpleMeterRegistry registry, long events, long detections,
                             Map<String, AtomicLong> detectionsByModel) {
            List<Map<DropReason, Long>> released = new ArrayList<>();
            List<Long> decoded = new ArrayList<>();
            for (CameraView c : engine.cameras()) {
                released.add(c.ledger().snapshot());
                decoded.add(c.ledger().decodedCount());
            }
            long batches = 0;
            double batchFrames = 0;
            Map<String, ModelCounts> models = new LinkedHashMap<>();
            for (String model : engine.models()) {
                DistributionSummary batch = registry.find("batch.size").tag("model", model).summary();
                long count = batch == null ? 0 : batch.count();
                double frames = batch == null ? 0 : batch.totalAmount();
                batches += count;
                batchFrames += frames;
                AtomicLong found = detectionsByModel.get(model);
                models.put(model, new ModelCounts(count, frames, found == null ? 0 : found.get()));
            }
            long gc = 0;
            for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
                gc += Math.max(0, b.getCollectionTime());
            }
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            return new Snapshot(os.getProcessCpuTime(), currentRssMb(), gc, events, detections, released, decoded,
                    batches, batchFrames, models);
        }
    }

    static long currentRssMb() {
        long bytes = io.camflux.engine.metrics.ProcessMemory.residentBytes();
        return bytes < 0 ? -1 : bytes / (1024 * 1024);
    }

    private static RunResult result(CamFlux engine, SimpleMeterRegistry registry, LoadOptions o, int n, Snapshot a,
                                    Snapshot b, double seconds, FfmpegBaseline.Result baseline,
                                    List<Map<String, Object>> timeline, double drainS, RunResult.Gpu gpu,
                                    double serverCores, int nvdecCameras, RunResult.Churn churn) {
        List<RunResult.CameraResult> cameras = new ArrayList<>();
        boolean everyCameraKeepsUp = true;
        long lost = 0;
        for (int i = 0; i < n; i++) {
            Map<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
            for (DropReason r : DropReason.values()) {
                dropped.put(r, b.released().get(i).get(r) - a.released().get(i).get(r));
            }
            long decoded = b.decoded().get(i) - a.decoded().get(i);
            long sampled = decoded - dropped.get(DropReason.SAMPLED_OUT);
            long gated = sampled - dropped.get(DropReason.NO_MOTION);
            double sampledFps = sampled / seconds;
            // against what the camera sends, not what it decoded: a key-frames-only camera that falls behind decodes
            // fewer key frames, and samples all of them. A camera that decoded nothing does not keep up
            everyCameraKeepsUp &= decoded > 0 && sampledFps >= 0.95 * Math.min(o.maxFps(), BenchMedia.FRAME_RATE);
            lost += dropped.get(DropReason.CANCELLED) + dropped.get(DropReason.INFERENCE_ERROR);
            Map<String, Long> byLabel = new LinkedHashMap<>();
            dropped.forEach((r, v) -> {
                if (r != DropReason.INFERRED) {
                    byLabel.put(r.label(), v);
                }
            });
            var camera = engine.cameras().get(i);
            cameras.add(new RunResult.CameraResult(camera.config().cameraUuid(), camera.decoder(), decoded / seconds,
                    sampledFps, dropped.get(DropReason.INFERRED) / seconds, sampled == 0 ? 0 : (double) gated / sampled,
                    byLabel));
        }
        Timer inference = registry.find("inference.latency").tag("model", ShardConfig.DEFAULT_MODEL).timer();
        Timer e2e = registry.find("e2e.latency").timer();
        double[] inf = percentilesMs(inference), lat = percentilesMs(e2e);
        Map<String, RunResult.ModelFigures> models = null;
        if (engine.models().size() > 1) {
            models = new LinkedHashMap<>();
            for (String model : engine.models()) {
                double inferred = 0;
                int count = 0;
                for (int i = 0; i < n; i++) {
                    if (engine.cameras().get(i).config().model().equals(model)) {
                        count++;
                        inferred += cameras.get(i).inferredFps();
                    }
                }
                ModelCounts from = a.models().get(model), to = b.models().get(model);
                long modelBatches = to.batches() - from.batches();
                double[] modelInference = percentilesMs(registry.find("inference.latency").tag("model", model).timer());
                models.put(model, new RunResult.ModelFigures(count, inferred,
                        (to.detections() - from.detections()) / seconds, modelBatches / seconds,
                        modelBatches == 0 ? 0 : (to.batchFrames() - from.batchFrames()) / modelBatches,
                        modelInference[0], modelInference[2]));
            }
        }
        long batches = b.batches() - a.batches();
        RunResult.Pipeline pipeline = new RunResult.Pipeline(batches / seconds,
                batches == 0 ? 0 : (b.batchFrames() - a.batchFrames()) / batches, inf[0], inf[1], inf[2],
                lat[0], lat[1], lat[2], (b.detections() - a.detections()) / seconds, lost);
        double cpu = (b.cpuNanos() - a.cpuNanos()) / 1e9;
        RunResult.ProcessFigures process = new RunResult.ProcessFigures(cpu, cpu / seconds / n, a.rssMb(), b.rssMb(),
                (b.gcMs() - a.gcMs()) / 1000.0, serverCores);
        long decodedInWindow = 0;
        for (int i = 0; i < n; i++) {
            decodedInWindow += b.decoded().get(i) - a.decoded().get(i);
        }
        RunResult.Baseline base = baseline == null ? null : new RunResult.Baseline(baseline.cpuSeconds(),
                baseline.cpuSeconds() / o.duration().toSeconds() / n,
                (cpu / seconds) / (baseline.cpuSeconds() / o.duration().toSeconds()), baseline.frames(),
                (cpu / decodedInWindow) / baseline.cpuSecondsPerFrame());
        boolean sustained = everyCameraKeepsUp && lat[2] < 1000 && lost == 0;
        long startupInferred = a.released().stream().mapToLong(m -> m.getOrDefault(DropReason.INFERRED, 0L)).sum();
        return new RunResult(n, seconds, o.maxFps(), o.height(), o.scene(), o.motion(), cameras, pipeline, process,
                base, sustained, drainS, gpu, nvdecCameras, churn, timeline, startupInferred, models);
    }

    /** p50, p95, p99 in ms; these are for the whole run (Micrometer's percentiles decay over a few minutes). */
    private static double[] percentilesMs(Timer t) {
        double[] out = {Double.NaN, Double.NaN, Double.NaN};
        if (t == null) {
            return out;
        }
        for (ValueAtPercentile p : t.takeSnapshot().percentileValues()) {
            int k = p.percentile() == 0.5 ? 0 : p.percentile() == 0.95 ? 1 : p.percentile() == 0.99 ? 2 : -1;
            if (k >= 0) {
                out[k] = p.value(TimeUnit.MILLISECONDS);
            }
        }
        return out;
    }
}
