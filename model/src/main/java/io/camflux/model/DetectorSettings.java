package io.camflux.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * What the detector needs to know besides the model file.
 *
 * @param format         null to detect the layout from the output shape
 * @param labelsFile     null to use the model's metadata, else COCO's 80 names
 * @param classFilter    names or numeric ids to keep; empty keeps every class
 * @param intraOpThreads ONNX Runtime CPU threads; 0 lets ONNX Runtime choose
 * @param fusedGraph     run the model with pixel input and in-graph decoding (see {@code ModelGraph#fused})
 * @param cudaOptions    ONNX Runtime CUDA provider options (e.g. {@code cudnn_conv_algo_search}), passed as they are
 */
public record DetectorSettings(ExecutionProvider provider, int deviceId, float confidenceThreshold,
                               float iouThreshold, Set<String> classFilter, ModelFormat format, Path labelsFile,
                               int intraOpThreads, boolean fusedGraph, Map<String, String> cudaOptions) {

    public DetectorSettings {
        classFilter = Set.copyOf(classFilter);
        cudaOptions = Map.copyOf(cudaOptions);
        if ("1".equals(cudaOptions.get("enable_cuda_graph"))) {
            // measured on an H100: it replays the first run's host buffer addresses, so later batches in other
            // pooled buffers silently come back empty; ONNX Runtime's Java API cannot bind device buffers
            throw new IllegalArgumentException("model.cuda_options: enable_cuda_graph is not supported: CUDA graphs "
                    + "need inputs and outputs bound at fixed device addresses, which ONNX Runtime's Java API cannot do");
        }
    }

    public DetectorSettings(ExecutionProvider provider, int deviceId, float confidenceThreshold, float iouThreshold,
                            Set<String> classFilter, ModelFormat format, Path labelsFile, int intraOpThreads) {
        this(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format, labelsFile, intraOpThreads,
                true, Map.of());
    }

    public static DetectorSettings defaults() {
        return new DetectorSettings(ExecutionProvider.AUTO, 0, 0.35f, 0.45f, Set.of(), null, null, 0);
    }

    public DetectorSettings withProvider(ExecutionProvider value) {
        return new DetectorSettings(value, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, intraOpThreads, fusedGraph, cudaOptions);
    }

    public DetectorSettings withFusedGraph(boolean value) {
        return new DetectorSettings(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, intraOpThreads, value, cudaOptions);
    }

    public DetectorSettings withCudaOptions(Map<String, String> value) {
        return new DetectorSettings(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, intraOpThreads, fusedGraph, value);
    }
}
