package io.camflux.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import io.camflux.model.DetectorBatch.BatchBuffers;
import io.camflux.model.graph.ModelGraph;
import io.camflux.model.graph.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A YOLO-family detector on ONNX Runtime, in three steps that a pipeline can overlap:
 * {@link #prepare} (letterbox into pooled direct buffers; any thread, concurrently), {@link #infer} (a session
 * run; as many at once as there are {@link #instances()}, more wait for a free session), {@link #decode}
 * (threshold, boxes, NMS; any thread). {@link #detect} does all three.
 *
 * <p>By default the session runs a fused graph (see {@link ModelGraph#fused}): 8-bit pixels go in, one row of
 * six floats per anchor comes out. When the model cannot be fused, or {@code fusedGraph} is off, it runs the
 * model as it is: float planar input converted on the host, YOLO decoding in Java ({@link YoloDecoder}).
 */
public final class OnnxDetector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OnnxDetector.class);

    private final OrtEnvironment env;
    private final List<Runner> runners;
    private final BlockingQueue<Runner> freeRunners;
    private final ExecutionProvider providerInUse;
    private final ModelFormat format;
    private final Labels labels;
    private final int inputWidth;
    private final int inputHeight;
    private final boolean fused;
    private int maxChunk;
    private final int anchors;
    private final Preprocessor preprocessor;
    private final CandidateDecoder candidates;
    private final YoloDecoder rawDecoder;
    private final String rawInputName;
    private final ConcurrentLinkedQueue<BatchBuffers> pool = new ConcurrentLinkedQueue<>();
    private final BatchShapes shapes;

    private OnnxDetector(Opened o) {
        this.env = o.env;
        this.runners = o.sessions.stream().map(Runner::new).toList();
        this.freeRunners = new ArrayBlockingQueue<>(runners.size(), true, runners);
        this.providerInUse = o.provider;
        this.format = o.format;
        this.labels = o.labels;
        this.inputWidth = o.width;
        this.inputHeight = o.height;
        this.fused = o.fused;
        this.maxChunk = o.maxChunk;
        this.anchors = o.anchors;
        this.preprocessor = new Preprocessor(inputWidth, inputHeight, format);
        this.candidates = new CandidateDecoder(anchors, o.settings.confidenceThreshold(),
                o.settings.iouThreshold(), labels);
        this.rawDecoder = fused ? null : new YoloDecoder(format, inputWidth, inputHeight, (int) o.output.dim(1),
                (int) o.output.dim(2), o.settings.confidenceThreshold(), o.settings.iouThreshold(), labels,
                c -> o.allowed == null || (c < o.allowed.length && o.allowed[c]));
        this.rawInputName = o.inputName;
        this.shapes = o.settings.batchShapes().resolve(o.provider);
    }

    /** Opens {@code model} with the execution provider the settings ask for, falling back to CPU with a warning. */
    public static OnnxDetector open(Path model, DetectorSettings settings) throws OrtException, IOException {
        Opened o = new Opened(model, settings);
        o.open();
        OnnxDetector detector = new OnnxDetector(o);
        long probeMillis;
        try {
            long probeStart = System.nanoTime();
            try {
                detector.probeBatchOfTwo();
            } catch (OrtException e) {
                if (o.declaredBatch != 1 || detector.maxChunk != 0) {
                    throw e;
                }
                log.warn("model {}: declares batch 1 and fails at batch 2 ({}); running images one by one",
                        model.getFileName(), e.getMessage());
                detector.maxChunk = 1;
                detector.probeBatchOfTwo();
            }
            probeMillis = (System.nanoTime() - probeStart) / 1_000_000;
        } catch (OrtException | RuntimeException e) {
            detector.close();
            throw e;
        }
        log.info("model {}: {} input {}x{}, {} graph, batch {}, {} classes, execution provider {}, {} instance(s), "
                        + "first runs {} ms", model.getFileName(), detector.format, detector.inputWidth,
                detector.inputHeight, detector.fused ? "fused (uint8 in, candidates out)" : "unmodified",
                detector.maxChunk > 0 ? "fixed " + detector.maxChunk
                        : "dynamic, " + (detector.shapes.policy() == BatchShapes.Policy.MAX
                        ? "padded to " + detector.shapes.maxBatch() : "exact"),
                detector.labels.names().size(), detector.providerInUse, detector.runners.size(), probeMillis);
        return detector;
    }

    /**
     * A first run at batch 2 (1 for fixed-batch models) on every session: proves the symbolic batch and warms the
     * provider up; with {@link BatchShapes.Policy#MAX} it runs at the one shape the session will ever see, so no
     * camera's batch pays that shape's first run (seconds on CUDA). The free sessions queue is first in, first out,
     * so consecutive runs visit each one.
     */
    private void probeBatchOfTwo() throws OrtException {
        try (org.bytedeco.opencv.opencv_core.Scalar zero = new org.bytedeco.opencv.opencv_core.Scalar(0);
             Mat black = new Mat(inputHeight, inputWidth, org.bytedeco.opencv.global.opencv_core.CV_8UC3, zero)) {
            for (int i = 0; i < runners.size(); i++) {
                detect(maxChunk == 1 ? List.of(black) : List.of(black, black));
            }
        }
    }

    /** Letterboxes {@code images} into pooled buffers. Safe to call from several threads at once. */
    public DetectorBatch prepare(List<Mat> images) {
        BatchBuffers buffers = takeBuffers(shapes.runSize(images.size()));
        Letterbox[] boxes = new Letterbox[images.size()];
        try {
            for (int i = 0; i < images.size(); i++) {
                boxes[i] = preprocessor.fill(images.get(i), buffers.pixels(), i);
            }
        } catch (RuntimeException e) {
            giveBack(buffers);
            throw e;
        }
        return new DetectorBatch(this, buffers, boxes);
    }

    /** Runs a session on a prepared batch, waiting for one to be free when all {@link #instances()} are busy. */
    public DetectorBatch infer(DetectorBatch batch) throws OrtException {
        Runner runner = takeRunner();
        try {
            long start = System.nanoTime();
            List<List<Detection>> decoded = fused ? null : new ArrayList<>(batch.size());
            int chunk = maxChunk > 0 ? maxChunk : batch.size();
            for (int first = 0; first < batch.size(); first += chunk) {
                int n = Math.min(chunk, batch.size() - first);
                if (fused) {
                    runFused(runner.session, batch, first, n, maxChunk > 0 ? n : shapes.runSize(n));
                } else {
                    decoded.addAll(runUnmodified(runner, batch, first, n,
                            maxChunk > 0 ? maxChunk : shapes.runSize(n)));
                }
            }
            batch.inferred(System.nanoTime() - start, decoded);
            return batch;
        } finally {
            freeRunners.add(runner);
        }
    }

    /** The batch sizes sessions run at (a batch is padded up to the next), in effect for the provider in use. */
    public BatchShapes batchShapes() {
        return shapes;
    }

    private Runner takeRunner() {
        try {
            return freeRunners.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free session", e);
        }
    }

    /** Runs images {@code first..first+n} padded to {@code runRows} rows (the rows beyond {@code n} are ignored). */
    private void runFused(OrtSession session, DetectorBatch batch, int first, int n, int runRows) throws OrtException {
        int slot = preprocessor.slotBytes(), rows = candidates.floatsPerImage();
        ByteBuffer pixels = batch.pixels().duplicate().position(first * slot).limit((first + runRows) * slot).slice();
        FloatBuffer out = batch.output().duplicate().position(first * rows).limit((first + runRows) * rows).slice();
        try (OnnxTensor in = OnnxTensor.createTensor(env, pixels, new long[] {runRows, inputHeight, inputWidth, 3},
                     OnnxJavaType.UINT8);
             OnnxTensor pinned = OnnxTensor.createTensor(env, out, new long[] {runRows, anchors, ModelGraph.FUSED_COLUMNS});
             OrtSession.Result ignored = session.run(Map.of(ModelGraph.FUSED_INPUT, in),
                     Map.of(ModelGraph.FUSED_OUTPUT, pinned))) {
            // the session wrote the candidates into the batch's own output buffer
        }
    }

    /** Detections per image of an inferred batch; gives its buffers back. Safe on any thread. */
    public List<List<Detection>> decode(DetectorBatch batch) {
        try {
            if (!fused) {
                return batch.decodedInline();
            }
            List<List<Detection>> results = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                results.add(candidates.decode(batch.output(), i, batch.letterbox(i)));
            }
            return results;
        } finally {
            batch.close();
        }
    }

    /**
     * Detects objects in each image (8-bit BGR). The result list is parallel to {@code images}.
     * The images are only read; the caller keeps owning them.
     */
    public List<List<Detection>> detect(List<Mat> images) throws OrtException {
        DetectorBatch batch = prepare(images);
        try {
            return decode(infer(batch));
        } finally {
            batch.close();
        }
    }

    /** Runs images {@code start..start+n} as {@code rows} rows, the ones beyond {@code n} zero. */
    private List<List<Detection>> runUnmodified(Runner runner, DetectorBatch batch, int start, int n, int rows)
            throws OrtException {
        List<List<Detection>> results = new ArrayList<>(n);
        int slot = 3 * inputWidth * inputHeight;
        if (runner.rawScratch == null) {
            runner.rawScratch = preprocessor.newFloatScratch();
        }
        if (runner.rawInput == null || runner.rawInput.capacity() < rows * slot) {
            runner.rawInput = ByteBuffer.allocateDirect(rows * slot * Float.BYTES).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
        }
        FloatBuffer rawInput = runner.rawInput;
        for (int i = 0; i < n; i++) {
            preprocessor.toPlanarFloat(batch.pixels(), start + i, runner.rawScratch, rawInput, i);
        }
        for (int f = n * slot; f < rows * slot; f++) {
            rawInput.put(f, 0f);
        }
        FloatBuffer input = rawInput.duplicate().position(0).limit(rows * slot).slice();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, new long[] {rows, 3, inputHeight, inputWidth});
             OrtSession.Result result = runner.session.run(Map.of(rawInputName, tensor))) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            int perImage = out.capacity() / rows;
            for (int i = 0; i < n; i++) {
                results.add(rawDecoder.decode(out, i * perImage, batch.letterbox(start + i)));
            }
        }
        return results;
    }

    private BatchBuffers takeBuffers(int images) {
        BatchBuffers b = pool.poll();
        if (b != null && b.capacity() >= images) {
            return b;
        }
        int capacity = Math.max(images, b == null ? 0 : b.capacity());
        return new BatchBuffers(capacity,
                ByteBuffer.allocateDirect(capacity * preprocessor.slotBytes()).order(ByteOrder.nativeOrder()),
                fused ? ByteBuffer.allocateDirect(capacity * candidates.floatsPerImage() * Float.BYTES)
                        .order(ByteOrder.nativeOrder()).asFloatBuffer() : null);
    }

    void giveBack(BatchBuffers buffers) {
        pool.offer(buffers);
    }

    public ExecutionProvider provider() {
        return providerInUse;
    }

    public ModelFormat format() {
        return format;
    }

    public int inputWidth() {
        return inputWidth;
    }

    public int inputHeight() {
        return inputHeight;
    }

    /** The batch size the session is limited to, or 0 when any batch size runs in one go. */
    public int fixedBatch() {
        return maxChunk;
    }

    /** How many sessions of the model run batches at the same time. */
    public int instances() {
        return runners.size();
    }

    /** Whether the session runs the fused graph (uint8 input, in-graph decoding). */
    public boolean fusedGraph() {
        return fused;
    }

    public Labels labels() {
        return labels;
    }

    @Override
    public void close() throws OrtException {
        preprocessor.close();
        OrtException failed = null;
        for (Runner runner : runners) {
            try {
                runner.close();
            } catch (OrtException e) {
                failed = e;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** One session and the host buffers of its unmodified-model path; used by one batch at a time. */
    private static final class Runner implements AutoCloseable {
        final OrtSession session;
        FloatBuffer rawInput;
        Mat rawScratch;

        Runner(OrtSession session) {
            this.session = session;
        }

        @Override
        public void close() throws OrtException {
            if (rawScratch != null) {
                rawScratch.close();
            }
            session.close();
        }
    }

    /** Everything decided while opening: which graph, which provider, which sessions. */
    private static final class Opened {
        final Path model;
        final DetectorSettings settings;
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        final List<OrtSession> sessions = new ArrayList<>();
        ExecutionProvider provider = ExecutionProvider.CPU;
        ModelFormat format;
        Labels labels;
        int width;
        int height;
        boolean fused;
        int maxChunk;
        int anchors;
        TensorSpec output;
        String inputName;
        boolean[] allowed;
        long declaredBatch;

        Opened(Path model, DetectorSettings settings) {
            this.model = model;
            this.settings = settings;
        }

        void open() throws IOException, OrtException {
            byte[] bytes = Files.readAllBytes(model);
            ModelGraph graph = ModelGraph.parse(bytes);
            graph.requireImageInput();
            if (settings.inputWidth() > 0 && (settings.inputWidth() != graph.input().dim(3)
                    || settings.inputHeight() != graph.input().dim(2))) {
                graph = graph.withInputSize(settings.inputWidth(), settings.inputHeight());
                bytes = graph.bytes();
            }
            TensorSpec in = graph.input();
            inputName = in.name();
            declaredBatch = in.dim(0);
            height = (int) in.dim(2);
            width = (int) in.dim(3);
            output = graph.output();
            format = settings.format() != null ? settings.format() : ModelFormat.detect(output.dims(), width, height);
            anchors = (int) format.anchors(output.dims());
            labels = settings.labelsFile() != null ? Labels.fromFile(settings.labelsFile())
                    : orCoco(Labels.fromMetadata(graph.metadata("names")));
            allowed = classFilter(format.classCount(output.dims()));
            try (OrtSession.SessionOptions options = sessionOptions()) {
                byte[] chosen = choose(graph, bytes, options);
                try {
                    while (sessions.size() < settings.instances()) {
                        sessions.add(env.createSession(chosen, options));
                    }
                } catch (OrtException | RuntimeException e) {
                    closeSessions();
                    throw e;
                }
            }
        }

        /** The graph to run: fused when it can be, else the model with a symbolic batch, else as it is. */
        private byte[] choose(ModelGraph graph, byte[] bytes, OrtSession.SessionOptions options) throws OrtException {
            if (settings.fusedGraph()) {
                try {
                    byte[] fusedGraph = graph.fused(format, allowed);
                    sessions.add(env.createSession(fusedGraph, options));
                    fused = true;
                    return fusedGraph;
                } catch (IllegalArgumentException | OrtException e) {
                    log.warn("model {}: cannot fuse pre- and post-processing into the graph ({}); running it "
                            + "unmodified", model.getFileName(), e.getMessage());
                }
            }
            maxChunk = declaredBatch > 0 ? (int) declaredBatch : 0;
            try {
                byte[] dynamic = graph.withDynamicBatch();
                sessions.add(env.createSession(dynamic, options));
                maxChunk = 0;
                return dynamic;
            } catch (OrtException e) {
                sessions.add(env.createSession(bytes, options));
                return bytes;
            }
        }

        private void closeSessions() {
            for (OrtSession s : sessions) {
                try {
                    s.close();
                } catch (OrtException e) {
                    log.warn("closing a session: {}", e.getMessage());
                }
            }
        }

        private static Labels orCoco(Labels labels) {
            return labels != null ? labels : Labels.coco();
        }

        private OrtSession.SessionOptions sessionOptions() throws OrtException {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (settings.provider() != ExecutionProvider.CPU) {
                provider = tryCuda(options);
            }
            if (settings.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(settings.intraOpThreads());
            } else if (provider == ExecutionProvider.CUDA) {
                // on CUDA only shape operators run on the CPU; a pool of one thread per core, spinning, next to
                // hundreds of decoding threads made every run wait seconds for a descheduled worker (H100 host,
                // 64 cameras, 16 cores busy: inference p95 18 s of a 10 ms run)
                options.setIntraOpNumThreads(1);
            } else if (provider == ExecutionProvider.CPU && settings.instances() > 1) {
                // the sessions share the cores: for small detectors, batches side by side beat one batch's
                // operators spread over every core (1.9x on 2 cores, bench/results/gpu-instances-2026-11-24-h100.md)
                options.setIntraOpNumThreads(Math.max(1,
                        Runtime.getRuntime().availableProcessors() / settings.instances()));
            }
            // a worker that spins for work takes a core from the decoders; one that sleeps costs microseconds
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            return options;
        }

        private ExecutionProvider tryCuda(OrtSession.SessionOptions options) {
            String why;
            if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                why = "this ONNX Runtime build has no CUDA execution provider (build with -Pgpu)";
            } else {
                try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(settings.deviceId())) {
                    for (Map.Entry<String, String> option : settings.cudaOptions().entrySet()) {
                        cuda.add(option.getKey(), option.getValue());
                    }
                    options.addCUDA(cuda);
                    return ExecutionProvider.CUDA;
                } catch (OrtException | RuntimeException | LinkageError e) {
                    why = "CUDA device " + settings.deviceId() + " is unavailable: " + e.getMessage();
                }
            }
            if (settings.provider() == ExecutionProvider.CUDA) {
                log.warn("model.provider is cuda but {}; running on the CPU execution provider", why);
            } else {
                log.info("model.provider auto: {}; using the CPU execution provider", why);
            }
            return ExecutionProvider.CPU;
        }

        private boolean[] classFilter(int classCount) {
            if (settings.classFilter().isEmpty()) {
                return null;
            }
            boolean[] allowedIds = new boolean[classCount];
            java.util.List<String> unknown = new java.util.ArrayList<>();
            for (String wanted : settings.classFilter()) {
                int id = labels.names().indexOf(wanted);
                if (id < 0 && !wanted.isEmpty() && wanted.chars().allMatch(Character::isDigit) && wanted.length() < 10) {
                    id = Integer.parseInt(wanted);
                }
                if (id < 0 || id >= allowedIds.length) {
                    unknown.add("'" + wanted + "'");
                    continue;
                }
                allowedIds[id] = true;
            }
            if (!unknown.isEmpty()) {
                unknown.sort(null);
                java.util.List<String> names = labels.names();
                String known = String.join(", ", names.subList(0, Math.min(12, names.size())))
                        + (names.size() > 12 ? ", … (" + names.size() + " in all)" : "");
                throw new SettingException("model.classes: unknown class" + (unknown.size() > 1 ? "es " : " ")
                        + String.join(", ", unknown) + "; this model's classes are " + known + ", or ids 0.."
                        + (classCount - 1));
            }
            return allowedIds;
        }
    }
}
