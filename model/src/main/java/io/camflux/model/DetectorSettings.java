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
 * @param intraOpThreads ONNX Runtime CPU threads per session; 0: the cores split between the sessions on the CPU
 *                       provider (ONNX Runtime's choice for one session)
 * @param fusedGraph     run the model with pixel input and in-graph decoding (see {@code ModelGraph#fused})
 * @param cudaOptions    ONNX Runtime CUDA provider options (e.g. {@code cudnn_conv_algo_search}), passed as they are
 * @param instances      sessions of the model that run batches at the same time; on CUDA each has its own stream,
 *                       so one batch's copies and kernel launches overlap another's kernels; on the CPU they share
 *                       the cores
 * @param batchShapes    the batch sizes the sessions run and warm up when they open (see {@link BatchShapes})
 * @param inputWidth     the width the model runs at; 0: the one it declares (see {@code ModelGraph#withInputSize})
 * @param inputHeight    the height the model runs at; 0: the one it declares
 */
public record DetectorSettings(ExecutionProvider provider, int deviceId, float confidenceThreshold,
                               float iouThreshold, Set<String> classFilter, ModelFormat format, Path labelsFile,
                               int intraOpThreads, boolean fusedGraph, Map<String, String> cudaOptions,
                               int instances, BatchShapes batchShapes, int inputWidth, int inputHeight) {
    /**
     * Measured (bench/results/gpu-instances-2026-11-24-h100.md): 1.4-1.8x one session on an H100, where 3-4 add
     * little; 1.9x on 2 CPU cores with one thread each.
     */
    public static final int DEFAULT_INSTANCES = 2;
    public static final int MAX_INSTANCES = 8;

    public DetectorSettings {
        classFilter = Set.copyOf(classFilter);
        cudaOptions = Map.copyOf(cudaOptions);
        java.util.Objects.requireNonNull(batchShapes, "batchShapes");
        String problem = instancesProblem(instances);
        if (problem != null) {
            throw new IllegalArgumentException("model.instances: " + problem);
        }
        for (Map.Entry<String, String> option : cudaOptions.entrySet()) {
            problem = cudaOptionProblem(option.getKey(), option.getValue());
            if (problem != null) {
                throw new IllegalArgumentException("model.cuda_options." + option.getKey() + ": " + problem);
            }
        }
        problem = inputSizeProblem(inputWidth, inputHeight);
        if (problem != null) {
            throw new IllegalArgumentException("model.input_size: " + problem);
        }
    }

    public DetectorSettings(ExecutionProvider provider, int deviceId, float confidenceThreshold, float iouThreshold,
                            Set<String> classFilter, ModelFormat format, Path labelsFile, int intraOpThreads,
                            boolean fusedGraph, Map<String, String> cudaOptions, int instances,
                            BatchShapes batchShapes) {
        this(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format, labelsFile, intraOpThreads,
                fusedGraph, cudaOptions, instances, batchShapes, 0, 0);
    }

    /** What is wrong with an input size (0 by 0: as the model declares), or null. */
    public static String inputSizeProblem(int width, int height) {
        if (width == 0 && height == 0) {
            return null;
        }
        return width < 32 || height < 32 || width > 4096 || height > 4096 || width % 32 != 0 || height % 32 != 0
                ? "width and height must be multiples of 32 from 32 to 4096, got " + width + "x" + height : null;
    }

    /** What is wrong with {@code instances}, or null; the config loader reports the same words. */
    public static String instancesProblem(int instances) {
        return instances < 1 || instances > MAX_INSTANCES
                ? "must be between 1 and " + MAX_INSTANCES + ", got " + instances : null;
    }

    /** What is wrong with one CUDA provider option, or null; the config loader reports the same words. */
    public static String cudaOptionProblem(String key, String value) {
        // measured on an H100: CUDA graphs replay the first run's host buffer addresses, so later batches in
        // other pooled buffers silently come back empty; ONNX Runtime's Java API cannot bind device buffers
        return key.equals("enable_cuda_graph") && value.equals("1") ? "not supported: CUDA graphs need inputs and "
                + "outputs bound at fixed device addresses, which ONNX Runtime's Java API cannot do" : null;
    }

    public DetectorSettings(ExecutionProvider provider, int deviceId, float confidenceThreshold, float iouThreshold,
                            Set<String> classFilter, ModelFormat format, Path labelsFile, int intraOpThreads) {
        this(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format, labelsFile, intraOpThreads,
                true, Map.of(), DEFAULT_INSTANCES, BatchShapes.DEFAULT);
    }

    public static DetectorSettings defaults() {
        return new DetectorSettings(ExecutionProvider.AUTO, 0, 0.35f, 0.45f, Set.of(), null, null, 0);
    }

    public DetectorSettings withProvider(ExecutionProvider value) {
        return new DetectorSettings(value, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, intraOpThreads, fusedGraph, cudaOptions, instances, batchShapes, inputWidth, inputHeight);
    }

    public DetectorSettings withFusedGraph(boolean value) {
        return new DetectorSettings(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, intraOpThreads, value, cudaOptions, instances, batchShapes, inputWidth, inputHeight);
    }

    public DetectorSettings withCudaOptions(Map<String, String> value) {
        return new DetectorSettings(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, intraOpThreads, fusedGraph, value, instances, batchShapes, inputWidth, inputHeight);
    }

    public DetectorSettings withIntraOpThreads(int value) {
        return new DetectorSettings(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, value, fusedGraph, cudaOptions, instances, batchShapes, inputWidth, inputHeight);
    }

    public DetectorSettings withInstances(int value) {
        return new DetectorSettings(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, intraOpThreads, fusedGraph, cudaOptions, value, batchShapes, inputWidth, inputHeight);
    }

    public DetectorSettings withBatchShapes(BatchShapes value) {
        return new DetectorSettings(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, intraOpThreads, fusedGraph, cudaOptions, instances, value, inputWidth, inputHeight);
    }

    public DetectorSettings withInputSize(int width, int height) {
        return new DetectorSettings(provider, deviceId, confidenceThreshold, iouThreshold, classFilter, format,
                labelsFile, intraOpThreads, fusedGraph, cudaOptions, instances, batchShapes, width, height);
    }
}
