package io.camflux.engine.config;

import io.camflux.model.BatchShapes;
import io.camflux.model.DetectorSettings;
import io.camflux.model.ExecutionProvider;
import io.camflux.model.ModelFormat;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The detector: {@code path} is a file or a built-in name ({@code yolox_nano}).
 *
 * @param format  {@code auto} (from the output shape), {@code yolox}, {@code yolov5}, {@code yolov8}/{@code yolo11}
 * @param classes class names (or ids) to keep; empty keeps all
 * @param fusedGraph  pixels in, decoding in the graph (off: the model runs as it is, decoded in Java)
 * @param cudaOptions ONNX Runtime CUDA provider options, passed as they are
 * @param instances   sessions running batches at the same time (each with its own CUDA stream; on the CPU they
 *                    share the cores)
 */
public record ModelConfig(String path, ExecutionProvider provider, int deviceId, float confidence, float iou,
                          Set<String> classes, ModelFormat format, Path labels, int threads, boolean fusedGraph,
                          Map<String, String> cudaOptions, int instances) {

    public ModelConfig {
        classes = Set.copyOf(classes);
        cudaOptions = Map.copyOf(cudaOptions);
    }

    public ModelConfig(String path, ExecutionProvider provider, int deviceId, float confidence, float iou,
                       Set<String> classes, ModelFormat format, Path labels, int threads) {
        this(path, provider, deviceId, confidence, iou, classes, format, labels, threads, true, Map.of(),
                DetectorSettings.DEFAULT_INSTANCES);
    }

    public DetectorSettings detectorSettings() {
        return new DetectorSettings(provider, deviceId, confidence, iou, classes, format, labels, threads, fusedGraph,
                cudaOptions, instances, BatchShapes.DEFAULT);
    }
}
