package io.camflux.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A YOLO-family detector on ONNX Runtime: letterboxes a batch of BGR images into one input tensor, runs the
 * session (in chunks when the model's batch dimension is fixed), decodes and suppresses per image.
 * Not thread-safe: it reuses its input buffer and scratch images; use one instance per inference thread.
 */
public final class OnnxDetector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OnnxDetector.class);

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String inputName;
    private final int inputWidth;
    private final int inputHeight;
    private final int fixedBatch;
    private final ModelFormat format;
    private final YoloDecoder decoder;
    private final Preprocessor preprocessor;
    private final ExecutionProvider providerInUse;
    private final Labels labels;
    private FloatBuffer input;

    private OnnxDetector(OrtEnvironment env, OrtSession session, ExecutionProvider providerInUse,
                         DetectorSettings settings) throws OrtException, IOException {
        this.env = env;
        this.session = session;
        this.providerInUse = providerInUse;
        Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
        this.inputName = in.getKey();
        long[] inShape = ((TensorInfo) in.getValue().getInfo()).getShape();
        if (inShape.length != 4 || inShape[1] != 3 || inShape[2] <= 0 || inShape[3] <= 0) {
            throw new IllegalArgumentException("expected a model input [N,3,H,W] with fixed H and W, got "
                    + Arrays.toString(inShape));
        }
        this.fixedBatch = inShape[0] > 0 ? (int) inShape[0] : 0;
        this.inputHeight = (int) inShape[2];
        this.inputWidth = (int) inShape[3];
        long[] outShape = ((TensorInfo) session.getOutputInfo().values().iterator().next().getInfo()).getShape();
        this.format = settings.format() != null ? settings.format()
                : ModelFormat.detect(outShape, inputWidth, inputHeight);
        this.labels = resolveLabels(settings);
        int classCount = (int) (format == ModelFormat.YOLOV8 ? outShape[1] - 4 : outShape[2] - 5);
        this.decoder = new YoloDecoder(format, inputWidth, inputHeight, (int) outShape[1], (int) outShape[2],
                settings.confidenceThreshold(), settings.iouThreshold(), labels, classFilter(settings, classCount));
        this.preprocessor = new Preprocessor(inputWidth, inputHeight, format);
    }

    /** Opens {@code model} with the execution provider the settings ask for, falling back to CPU with a warning. */
    public static OnnxDetector open(Path model, DetectorSettings settings) throws OrtException, IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ExecutionProvider used = ExecutionProvider.CPU;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (settings.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(settings.intraOpThreads());
            }
            if (settings.provider() != ExecutionProvider.CPU) {
                used = tryCuda(options, settings);
            }
            OrtSession session = env.createSession(model.toString(), options);
            try {
                OnnxDetector detector = new OnnxDetector(env, session, used, settings);
                log.info("model {}: {} input {}x{} batch {}, {} classes, execution provider {}",
                        model.getFileName(), detector.format, detector.inputWidth, detector.inputHeight,
                        detector.fixedBatch > 0 ? "fixed " + detector.fixedBatch : "dynamic",
                        detector.decoder.classCount(), used);
                return detector;
            } catch (RuntimeException | IOException | OrtException e) {
                session.close();
                throw e;
            }
        }
    }

    private static ExecutionProvider tryCuda(OrtSession.SessionOptions options, DetectorSettings settings) {
        String why;
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            why = "this ONNX Runtime build has no CUDA execution provider (build with -Pgpu)";
        } else {
            try {
                options.addCUDA(settings.deviceId());
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

    private Labels resolveLabels(DetectorSettings settings) throws OrtException, IOException {
        if (settings.labelsFile() != null) {
            return Labels.fromFile(settings.labelsFile());
        }
        Labels fromModel = Labels.fromMetadata(session.getMetadata().getCustomMetadata().get("names"));
        return fromModel != null ? fromModel : Labels.coco();
    }

    private IntPredicate classFilter(DetectorSettings settings, int classCount) {
        if (settings.classFilter().isEmpty()) {
            return c -> true;
        }
        boolean[] allowed = new boolean[classCount];
        for (String wanted : settings.classFilter()) {
            int id = labels.names().indexOf(wanted);
            if (id < 0 && wanted.chars().allMatch(Character::isDigit)) {
                id = Integer.parseInt(wanted);
            }
            if (id < 0 || id >= allowed.length) {
                throw new IllegalArgumentException("model.classes: unknown class '" + wanted + "'");
            }
            allowed[id] = true;
        }
        return c -> c < allowed.length && allowed[c];
    }

    /**
     * Detects objects in each image (8-bit BGR). The result list is parallel to {@code images}.
     * The images are only read; the caller keeps owning them.
     */
    public List<List<Detection>> detect(List<Mat> images) throws OrtException {
        List<List<Detection>> results = new ArrayList<>(images.size());
        int chunk = fixedBatch > 0 ? fixedBatch : Math.max(1, images.size());
        for (int start = 0; start < images.size(); start += chunk) {
            List<Mat> part = images.subList(start, Math.min(images.size(), start + chunk));
            results.addAll(runChunk(part, fixedBatch > 0 ? fixedBatch : part.size()));
        }
        return results;
    }

    private List<List<Detection>> runChunk(List<Mat> images, int batch) throws OrtException {
        int slot = preprocessor.slotSize();
        FloatBuffer buffer = inputBuffer(batch * slot);
        Letterbox[] boxes = new Letterbox[images.size()];
        for (int i = 0; i < images.size(); i++) {
            boxes[i] = preprocessor.fill(images.get(i), buffer, i);
        }
        for (int i = images.size() * slot; i < batch * slot; i++) {
            buffer.put(i, 0f);
        }
        buffer.position(0).limit(batch * slot);
        long[] shape = {batch, 3, inputHeight, inputWidth};
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, buffer, shape);
             OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
            OnnxValue value = result.get(0);
            FloatBuffer out = ((OnnxTensor) value).getFloatBuffer();
            int perImage = out.capacity() / batch;
            List<List<Detection>> detections = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                detections.add(decoder.decode(out, i * perImage, boxes[i]));
            }
            return detections;
        }
    }

    private FloatBuffer inputBuffer(int floats) {
        if (input == null || input.capacity() < floats) {
            input = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        input.clear();
        return input;
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

    /** The model's fixed batch size, or 0 when its batch dimension is dynamic. */
    public int fixedBatch() {
        return fixedBatch;
    }

    public Labels labels() {
        return labels;
    }

    @Override
    public void close() throws OrtException {
        preprocessor.close();
        session.close();
    }
}
