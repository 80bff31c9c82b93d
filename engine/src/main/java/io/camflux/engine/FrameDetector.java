package io.camflux.engine;

import io.camflux.model.Detection;
import io.camflux.model.OnnxDetector;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Detects objects in a batch of 8-bit BGR images; the result list is parallel to the input. Called from the
 * engine's single inference thread. The images belong to the caller.
 */
public interface FrameDetector extends AutoCloseable {

    List<List<Detection>> detect(List<Mat> images) throws Exception;

    @Override
    default void close() throws Exception {
    }

    static FrameDetector of(OnnxDetector detector) {
        return new FrameDetector() {
            @Override
            public List<List<Detection>> detect(List<Mat> images) throws Exception {
                return detector.detect(images);
            }

            @Override
            public void close() throws Exception {
                detector.close();
            }
        };
    }
}
