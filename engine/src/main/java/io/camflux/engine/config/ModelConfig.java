package io.camflux.engine.config;

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
 * @param inputWidth  the width the model runs at ({@code input_size}); 0: the one it declares
 * @param inputHeight the height the model runs at; 0: the one it declares
 * @param batch       this model's batching; null: the config's {@code batch}
 */
public record ModelConfig(String path, ExecutionProvider provider, int deviceId, float confidence, float iou,
                          Set<String> classes, ModelFormat format, Path labels, int threads, boolean fusedGraph,
                          Map<String, String> cudaOptions, int instances, int inputWidth, int inputHeight,
                          BatchConfig batch) {

    public ModelConfig {
        classes = Set.copyOf(classes);
        cudaOptions = Map.copyOf(cudaOptions);
    }

    public ModelConfig(String path, ExecutionProvider provider, int deviceId, float confidence, float iou,
                       Set<String> classes, ModelFormat format, Path labels, int threads, boolean fusedGraph,
                       Map<String, String> cudaOptions, int instances) {
        this(path, provider, deviceId, confidence, iou, classes, format, labels, threads, fusedGraph, cudaOptions,
                instances, 0, 0, null);
    }

    public ModelConfig(String path, ExecutionProvider provider, int deviceId, float confidence, float iou,
                       Set<String> classes, ModelFormat format, Path labels, int threads) {
        this(path, provider, deviceId, confidence, iou, classes, format, labels, threads, true, Map.of(),
                DetectorSettings.DEFAULT_INSTANCES);
    }

    /** The settings the detector opens with, its batch shapes from {@code shardBatch} unless it has its own. */
    public DetectorSettings detectorSettings(BatchConfig shardBatch) {
        return new DetectorSettings(provider, deviceId, confidence, iou, classes, format, labels, threads, fusedGraph,
                cudaOptions, instances, batch(shardBatch).batchShapes(), inputWidth, inputHeight);
    }

    /** This model's batching: its own, else the shard's. */
    public BatchConfig batch(BatchConfig shardBatch) {
        return batch != null ? batch : shardBatch;
    }
}
