package io.camflux.bench.gpu;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import io.camflux.engine.FrameDetector;
import io.camflux.engine.pipeline.DetectionOperator;
import io.camflux.model.Detection;
import io.camflux.model.BatchShapes;
import io.camflux.model.DetectorSettings;
import io.camflux.model.ExecutionProvider;
import io.camflux.model.OnnxDetector;
import io.camflux.model.graph.ModelGraph;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code java -jar camflux-bench.jar gpu --model LABEL=PATH ... --frames CLIP [--batches 1,8,16,32,64]
 * [--seconds 4] [--prepare-threads 4] [--out DIR]}: for each model, in one process,
 * <ol>
 *   <li>CUDA against CPU on the same real frames: relative error of the raw output and whether the detections
 *       after NMS are the same;</li>
 *   <li>per batch size: the raw baseline ({@code session.run} alone on a pre-built float input, the model
 *       unmodified but for a symbolic batch), the fused session alone on pre-built pixels, and the whole
 *       operator (decoded frames → letterbox → session → decoding and NMS, overlapped) in images/s;</li>
 *   <li>with {@code --instances 1,2,3}: that many sessions running batches at once, through the operator;</li>
 *   <li>CUDA provider option variants at batch 32 through the operator.</li>
 * </ol>
 * Prints one Markdown table and writes it to {@code DIR/gpu-operator.md}.
 */
public final class GpuBench {
    private final Options o;
    private final StringBuilder report = new StringBuilder();

    private GpuBench(Options o) {
        this.o = o;
    }

    /** @param cpuOnly runs the "GPU" side on the CPU provider too: a smoke test of the bench itself */
    record Options(Map<String, Path> models, Path frames, List<Integer> batches, double seconds, int prepareThreads,
                   Path out, List<Map<String, String>> variants, boolean cpuOnly, List<Integer> instances,
                   List<Integer> instanceBatches, int intraOpThreads) {

        static Options parse(String[] args) {
            Map<String, Path> models = new LinkedHashMap<>();
            Path frames = null, out = Path.of("bench/results");
            List<Integer> batches = List.of(1, 8, 16, 32, 64);
            double seconds = 4;
            int prepare = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors() / 2));
            List<Map<String, String>> variants = new ArrayList<>();
            boolean cpuOnly = false;
            boolean noVariants = false;
            List<Integer> instances = List.of();
            List<Integer> instanceBatches = List.of(32, 64);
            int intraOpThreads = 0;
            for (int i = 0; i < args.length; i++) {
                String v = i + 1 < args.length ? args[i + 1] : null;
                if (args[i].equals("--cpu-only")) {
                    cpuOnly = true;
                    continue;
                }
                if (args[i].equals("--no-variants")) {
                    noVariants = true;
                    continue;
                }
                switch (args[i]) {
                    case "--model" -> {
                        String[] kv = v.split("=", 2);
                        models.put(kv[0], Path.of(kv[1]));
                    }
                    case "--frames" -> frames = Path.of(v);
                    case "--batches" -> batches = Arrays.stream(v.split(",")).map(Integer::parseInt).toList();
                    case "--seconds" -> seconds = Double.parseDouble(v);
                    case "--prepare-threads" -> prepare = Integer.parseInt(v);
                    case "--out" -> out = Path.of(v);
                    case "--intra-op-threads" -> intraOpThreads = Integer.parseInt(v);
                    case "--instances" -> instances = Arrays.stream(v.split(",")).map(Integer::parseInt).toList();
                    case "--instance-batches" -> instanceBatches = Arrays.stream(v.split(",")).map(Integer::parseInt)
                            .toList();
                    case "--variant" -> {
                        Map<String, String> opts = new LinkedHashMap<>();
                        for (String kv : v.split(",")) {
                            String[] p = kv.split("=", 2);
                            opts.put(p[0], p[1]);
                        }
                        variants.add(opts);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            if (models.isEmpty() || frames == null) {
                throw new IllegalArgumentException("usage: gpu --model LABEL=PATH... --frames CLIP [--batches LIST] "
                        + "[--seconds S] [--prepare-threads N] [--variant k=v,k=v]... [--no-variants] [--intra-op-threads N] [--instances LIST "
                        + "[--instance-batches LIST]] [--out DIR]");
            }
            return new Options(models, frames, batches, seconds, prepare, out, noVariants ? List.of() : variants,
                    cpuOnly, instances, instanceBatches, intraOpThreads);
        }
    }

    public static void main(String[] args) throws Exception {
        new GpuBench(Options.parse(args)).run();
    }

    private void run() throws Exception {
        List<Mat> frames = decodeFrames(o.frames, 64);
        line("# Detector operator on %s", gpuName());
        line("");
        line("`java -jar camflux-bench.jar gpu %s` — %d s per cell, %d decoded %dx%d frames cycled, %d prepare threads,"
                        + " %d cores", String.join(" ", argsEcho()), (int) o.seconds, frames.size(), frames.get(0).cols(),
                frames.get(0).rows(), o.prepareThreads, Runtime.getRuntime().availableProcessors());
        for (Map.Entry<String, Path> model : o.models.entrySet()) {
            benchModel(model.getKey(), model.getValue(), frames);
        }
        Files.createDirectories(o.out);
        Files.writeString(o.out.resolve("gpu-operator.md"), report);
        frames.forEach(Mat::close);
    }

    private List<String> argsEcho() {
        List<String> echo = new ArrayList<>();
        o.models.forEach((k, v) -> echo.add("--model " + k + "=" + v.getFileName()));
        echo.add("--batches " + o.batches.toString().replace(" ", "").replace("[", "").replace("]", ""));
        return echo;
    }

    private void benchModel(String label, Path path, List<Mat> frames) throws Exception {
        // each cell runs one batch size throughout (after its own warm-up), so no padding: the size is the one measured
        DetectorSettings cuda = DetectorSettings.defaults().withIntraOpThreads(o.intraOpThreads)
                .withProvider(o.cpuOnly ? ExecutionProvider.CPU : ExecutionProvider.CUDA)
                .withBatchShapes(BatchShapes.exact());
        Map<String, String> gpu = o.cpuOnly ? null : Map.of();
        DetectorSettings cpu = DetectorSettings.defaults().withProvider(ExecutionProvider.CPU);
        line("");
        line("## %s (`%s`)", label, path.getFileName());
        ModelGraph graph = ModelGraph.parse(Files.readAllBytes(path));
        line("");
        line("input %s, output %s, opset %d", graph.input(), graph.output(), graph.opset());
        correctness(path, graph, frames.subList(0, 16), cpu, cuda, gpu);

        line("");
        line("| batch | raw run (img/s) | fused run (img/s) | operator (img/s) | operator / raw | operator p50 batch ms |");
        line("|---:|---:|---:|---:|---:|---:|");
        try (OnnxDetector detector = OnnxDetector.open(path, cuda);
             RawSession raw = new RawSession(graph.withDynamicBatch(), graph, gpu);
             RawSession fused = RawSession.fused(detector, graph, gpu)) {
            for (int batch : o.batches) {
                double rawRate = raw.imagesPerSecond(batch, o.seconds);
                double fusedRate = fused.imagesPerSecond(batch, o.seconds);
                OperatorRun op = operator(detector, frames, batch, o.seconds);
                line("| %d | %.0f | %.0f | %.0f | %.2f | %.1f |", batch, rawRate, fusedRate, op.rate, op.rate / rawRate,
                        op.medianBatchMs);
            }
        }
        if (!o.instances.isEmpty()) {
            line("");
            line("Sessions running batches at the same time (`model.instances`), through the operator (same process):");
            settingsTable("instances", "1 instance", o.instances.stream()
                    .map(n -> new SettingsRow(String.valueOf(n), () -> cuda.withInstances(n))).toList(), o.instanceBatches,
                    path, frames);
        }
        if (!o.variants.isEmpty()) {
            line("");
            line("CUDA provider options through the operator (same process):");
            List<SettingsRow> rows = new ArrayList<>();
            rows.add(new SettingsRow("defaults", () -> cuda));
            o.variants.forEach(v -> rows.add(new SettingsRow(v.toString(), () -> cuda.withCudaOptions(v))));
            settingsTable("options", "defaults", rows, List.of(32), path, frames);
        }
    }

    /** @param settings made inside the row's try, so settings the detector refuses print as a failed row */
    record SettingsRow(String label, Supplier<DetectorSettings> settings) {
    }

    /**
     * One detector per row, opened with the row's settings: the operator's images/s at each batch size, then
     * whether it finds what the first row found (32 frames in batches of 8, which visits every session).
     */
    private void settingsTable(String rowHeader, String reference, List<SettingsRow> rows, List<Integer> batches,
                               Path path, List<Mat> frames) {
        line("");
        line("| %s | %s | same detections as %s (32 frames in batches of 8, after the runs) |", rowHeader,
                batches.stream().map(b -> "batch " + b + " (img/s)").collect(Collectors.joining(" | ")), reference);
        line("|---|%s---|", "---:|".repeat(batches.size()));
        List<List<Detection>> expected = null;
        for (SettingsRow row : rows) {
            try (OnnxDetector detector = OnnxDetector.open(path, row.settings().get())) {
                List<String> rates = new ArrayList<>();
                for (int batch : batches) {
                    rates.add(String.format("%.0f", operator(detector, frames, batch, o.seconds).rate));
                }
                List<List<Detection>> found = detectInBatches(detector, frames.subList(0, 32));
                if (expected == null) {
                    expected = found;
                }
                line("| %s | %s | %s |", row.label(), String.join(" | ", rates), sameDetections(expected, found));
            } catch (Exception e) {
                line("| %s | failed: %s | |", row.label(), e.getMessage().lines().findFirst().orElse(""));
            }
        }
    }

    private void correctness(Path path, ModelGraph graph, List<Mat> frames, DetectorSettings cpu,
                             DetectorSettings cuda, Map<String, String> gpu) throws Exception {
        byte[] dynamic = graph.withDynamicBatch();
        try (RawSession onCpu = new RawSession(dynamic, graph, null);
             RawSession onGpu = new RawSession(dynamic, graph, gpu);
             OnnxDetector detCpu = OnnxDetector.open(path, cpu);
             OnnxDetector detGpu = OnnxDetector.open(path, cuda)) {
            FloatBuffer input = onCpu.realInput(detCpu, frames);
            float[] a = onCpu.runOnce(input, frames.size()), b = onGpu.runOnce(input, frames.size());
            double maxAbs = 0, maxRef = 0, sumRel = 0;
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs(a[i] - b[i]);
                maxAbs = Math.max(maxAbs, d);
                maxRef = Math.max(maxRef, Math.abs(a[i]));
                sumRel += d / Math.max(1e-3, Math.abs(a[i]));
            }
            List<List<Detection>> x = detCpu.detect(frames), y = detGpu.detect(frames);
            Match m = Match.of(x, y, 0.9);
            line("");
            line("CUDA vs CPU on %d real frames: raw output max |diff| %.3g (max |value| %.3g, ratio %.2e), mean "
                            + "relative error %.2e; after NMS %d/%d CPU detections matched on CUDA (same class, IoU > 0.9; "
                            + "worst IoU %.4f, worst score diff %.4f), %d/%d frames with identical detection counts "
                            + "(CPU %d, CUDA %d detections)", frames.size(), maxAbs, maxRef, maxAbs / maxRef,
                    sumRel / a.length, m.matched(), m.total(), m.worstIou(), m.worstScore(), m.sameFrames(),
                    frames.size(), m.total(), m.found());
        }
    }

    /** Batches of 8 from pooled buffers, as a run sees them after the operator's batches of 32. */
    private static List<List<Detection>> detectInBatches(OnnxDetector detector, List<Mat> frames) throws Exception {
        List<List<Detection>> found = new ArrayList<>();
        for (int i = 0; i < frames.size(); i += 8) {
            found.addAll(detector.detect(frames.subList(i, i + 8)));
        }
        return found;
    }

    private static String sameDetections(List<List<Detection>> reference, List<List<Detection>> found) {
        Match m = Match.of(reference, found, 0.99);
        return (m.matched() == m.total() && m.found() == m.total() ? "yes" : "NO") + " (" + m.matched() + "/"
                + m.total() + " matched, " + m.found() + " found)";
    }

    /**
     * How many reference detections have a same-class counterpart with IoU above {@code minIou} in the same frame;
     * {@code sameFrames} counts frames with as many detections found as expected, all of them matched.
     */
    record Match(int matched, int total, int found, double worstIou, double worstScore, int sameFrames) {
        static Match of(List<List<Detection>> reference, List<List<Detection>> found, double minIou) {
            int matched = 0, total = 0, sameFrames = 0;
            double worstIou = 1, worstScore = 0;
            for (int f = 0; f < reference.size(); f++) {
                boolean frameSame = reference.get(f).size() == found.get(f).size();
                for (Detection d : reference.get(f)) {
                    total++;
                    Detection best = found.get(f).stream().filter(e -> e.classId() == d.classId())
                            .max((p, q) -> Double.compare(p.iou(d), q.iou(d))).orElse(null);
                    if (best != null && best.iou(d) > minIou) {
                        matched++;
                        worstIou = Math.min(worstIou, best.iou(d));
                        worstScore = Math.max(worstScore, Math.abs(best.confidence() - d.confidence()));
                    } else {
                        frameSame = false;
                    }
                }
                sameFrames += frameSame ? 1 : 0;
            }
            return new Match(matched, total, found.stream().mapToInt(List::size).sum(), worstIou, worstScore,
                    sameFrames);
        }
    }

    record OperatorRun(double rate, double medianBatchMs) {
    }

    private OperatorRun operator(OnnxDetector detector, List<Mat> frames, int batch, double seconds) {
        FrameDetector frameDetector = FrameDetector.of(detector);
        ExecutorService inference = Executors.newFixedThreadPool(frameDetector.concurrency());
        ExecutorService cpuPool = Executors.newFixedThreadPool(o.prepareThreads);
        Scheduler inferenceThread = Schedulers.fromExecutorService(inference);
        Scheduler cpu = Schedulers.fromExecutorService(cpuPool);
        try {
            DetectionOperator<Long> op = new DetectionOperator<>(frameDetector, cpu, inferenceThread,
                    o.prepareThreads, frameDetector.concurrency(), started -> { });
            AtomicLong next = new AtomicLong();
            Flux<DetectionOperator.Input<Long>> batches = Flux.generate(sink -> {
                long k = next.getAndIncrement();
                List<Mat> images = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    images.add(frames.get((int) ((k * batch + i) % frames.size())));
                }
                sink.next(new DetectionOperator.Input<>(System.nanoTime(), images));
            });
            // warm-up: shapes the provider has not seen yet cost algorithm searches
            op.apply(batches.take(5)).blockLast();
            List<Long> batchNanos = new ArrayList<>();
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            long images = op.apply(batches).takeUntil(out -> System.nanoTime() > deadline)
                    .doOnNext(out -> {
                        if (out.error() != null) {
                            throw new IllegalStateException(out.error());
                        }
                        batchNanos.add(System.nanoTime() - out.payload());
                    })
                    .map(out -> (long) out.detections().size()).reduce(0L, Long::sum).block(Duration.ofMinutes(5));
            double elapsed = (System.nanoTime() - start) / 1e9;
            batchNanos.sort(null);
            return new OperatorRun(images / elapsed, batchNanos.get(batchNanos.size() / 2) / 1e6);
        } finally {
            // a session run may still be going after the cancel: the detector is closed only once it has ended
            inferenceThread.dispose();
            cpu.dispose();
            awaitStopped(inference);
            awaitStopped(cpuPool);
        }
    }

    private static void awaitStopped(ExecutorService executor) {
        try {
            if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException("bench threads did not stop within a minute");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A session on a model as bytes, run on a pre-built input: the baseline without any of the operator. */
    private static final class RawSession implements AutoCloseable {
        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final OrtSession session;
        private final String inputName;
        private final int height;
        private final int width;
        private final boolean pixels;
        private boolean half;

        /** @param cudaOptions null for the CPU provider */
        RawSession(byte[] model, ModelGraph graph, Map<String, String> cudaOptions) throws Exception {
            this(model, graph.input().name(), (int) graph.input().dim(2), (int) graph.input().dim(3), false, cudaOptions);
            this.half = graph.input().isFloat16();
        }

        /** The model's own input tensor: float32, or float16 for half-precision models. */
        private OnnxTensor floatInput(FloatBuffer values, long[] shape) throws Exception {
            if (!half) {
                return OnnxTensor.createTensor(env, values, shape);
            }
            java.nio.ShortBuffer h = ByteBuffer.allocateDirect(values.remaining() * 2).order(ByteOrder.nativeOrder())
                    .asShortBuffer();
            for (int i = values.position(); i < values.limit(); i++) {
                h.put(i - values.position(), toHalf(values.get(i)));
            }
            return OnnxTensor.createTensor(env, h, shape, ai.onnxruntime.OnnxJavaType.FLOAT16);
        }

        /** IEEE 754 binary16, round to nearest, for values in the half range (pixels 0-255 are exact). */
        private static short toHalf(float f) {
            int bits = Float.floatToIntBits(f);
            int sign = (bits >>> 16) & 0x8000;
            int exponent = ((bits >>> 23) & 0xff) - 127 + 15;
            int mantissa = bits & 0x7fffff;
            if (exponent <= 0) {
                return (short) sign;
            }
            if (exponent >= 31) {
                return (short) (sign | 0x7c00);
            }
            int rounded = (exponent << 10 | mantissa >>> 13) + ((mantissa >>> 12) & 1);
            return (short) (sign | rounded);
        }

        private RawSession(byte[] model, String inputName, int height, int width, boolean pixels,
                           Map<String, String> cudaOptions) throws Exception {
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                if (cudaOptions != null) {
                    try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(0)) {
                        for (Map.Entry<String, String> e : cudaOptions.entrySet()) {
                            cuda.add(e.getKey(), e.getValue());
                        }
                        options.addCUDA(cuda);
                    }
                }
                this.session = env.createSession(model, options);
            }
            this.inputName = inputName;
            this.height = height;
            this.width = width;
            this.pixels = pixels;
        }

        static RawSession fused(OnnxDetector detector, ModelGraph graph, Map<String, String> cudaOptions)
                throws Exception {
            return new RawSession(graph.fused(detector.format(), null), ModelGraph.FUSED_INPUT, detector.inputHeight(),
                    detector.inputWidth(), true, cudaOptions);
        }

        /** The letterboxed frames as the unmodified model takes them (via the CPU detector's own preprocessing). */
        FloatBuffer realInput(OnnxDetector cpuDetector, List<Mat> frames) {
            FloatBuffer input = ByteBuffer.allocateDirect(frames.size() * 3 * width * height * 4)
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
            try (var preprocessor = new io.camflux.model.Preprocessor(width, height, cpuDetector.format());
                 Mat scratch = preprocessor.newFloatScratch()) {
                ByteBuffer slots = ByteBuffer.allocateDirect(frames.size() * preprocessor.slotBytes());
                for (int i = 0; i < frames.size(); i++) {
                    preprocessor.fill(frames.get(i), slots, i);
                    preprocessor.toPlanarFloat(slots, i, scratch, input, i);
                }
            }
            return input;
        }

        float[] runOnce(FloatBuffer input, int batch) throws Exception {
            try (OnnxTensor t = floatInput(input.duplicate().position(0), new long[] {batch, 3, height, width});
                 OrtSession.Result r = session.run(Map.of(inputName, t))) {
                FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] values = new float[out.remaining()];
                out.get(values);
                return values;
            }
        }

        double imagesPerSecond(int batch, double seconds) throws Exception {
            long[] shape = pixels ? new long[] {batch, height, width, 3} : new long[] {batch, 3, height, width};
            OnnxTensor t;
            if (pixels) {
                ByteBuffer b = ByteBuffer.allocateDirect(batch * height * width * 3);
                for (int i = 0; i < b.capacity(); i++) {
                    b.put(i, (byte) (i * 31));
                }
                t = OnnxTensor.createTensor(env, b, shape, ai.onnxruntime.OnnxJavaType.UINT8);
            } else {
                FloatBuffer f = ByteBuffer.allocateDirect(batch * height * width * 3 * 4).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
                for (int i = 0; i < f.capacity(); i++) {
                    f.put(i, (i * 31) % 256);
                }
                t = floatInput(f, shape);
            }
            try (t) {
                for (int i = 0; i < 5; i++) {
                    session.run(Map.of(inputName, t)).close();
                }
                long start = System.nanoTime(), deadline = start + (long) (seconds * 1e9);
                long runs = 0;
                while (System.nanoTime() < deadline) {
                    session.run(Map.of(inputName, t)).close();
                    runs++;
                }
                return runs * batch / ((System.nanoTime() - start) / 1e9);
            }
        }

        @Override
        public void close() throws Exception {
            session.close();
        }
    }

    static List<Mat> decodeFrames(Path clip, int count) throws Exception {
        List<Mat> frames = new ArrayList<>();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(clip.toFile());
             OpenCVFrameConverter.ToMat toMat = new OpenCVFrameConverter.ToMat()) {
            grabber.start();
            int step = Math.max(1, grabber.getLengthInFrames() / count);
            for (int i = 0; frames.size() < count; i++) {
                Frame frame = grabber.grabImage();
                if (frame == null) {
                    break;
                }
                if (i % step == 0) {
                    frames.add(toMat.convert(frame).clone());
                }
            }
        }
        return frames;
    }

    private static String gpuName() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                    "--format=csv,noheader").redirectErrorStream(true).start();
            String name = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return name.isEmpty() ? "an unknown device" : name;
        } catch (Exception e) {
            return "a machine without nvidia-smi";
        }
    }

    private void line(String format, Object... args) {
        String text = args.length == 0 ? format : String.format(java.util.Locale.ROOT, format, args);
        System.out.println(text);
        report.append(text).append('\n');
    }
}
