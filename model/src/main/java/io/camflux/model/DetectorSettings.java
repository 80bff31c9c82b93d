package io.camflux.model;

import java.nio.file.Path;
import java.util.Set;

/**
 * What the detector needs to know besides the model file.
 *
 * @param format        null to detect the layout from the output shape
 * @param labelsFile    null to use the model's metadata, else COCO's 80 names
 * @param classFilter   names or numeric ids to keep; empty keeps every class
 * @param intraOpThreads ONNX Runtime CPU threads; 0 lets ONNX Runtime choose
 */
public record DetectorSettings(ExecutionProvider provider, int deviceId, float confidenceThreshold,
                               float iouThreshold, Set<String> classFilter, ModelFormat format, Path labelsFile,
                               int intraOpThreads) {

    public DetectorSettings {
        classFilter = Set.copyOf(classFilter);
    }

    public static DetectorSettings defaults() {
        return new DetectorSettings(ExecutionProvider.AUTO, 0, 0.35f, 0.45f, Set.of(), null, null, 0);
    }
}
