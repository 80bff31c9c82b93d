package io.camflux.engine;

import io.camflux.model.Detection;
import io.camflux.model.DetectorBatch;
import io.camflux.model.OnnxDetector;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Detects objects in a batch of 8-bit BGR images; the result list is parallel to the input. The images belong
 * to the caller and stay valid until the batch is decoded.
 *
 * <p>The work comes in three steps so that the pipeline can overlap them: {@link #prepare} (any thread,
 * concurrently), {@link Prepared#infer()} (the engine's inference threads, {@link #concurrency()} of them),
 * {@link Prepared#decode()} (any thread). A detector that only implements {@link #detect} does all its work in
 * {@code infer}.
 */
public interface FrameDetector extends AutoCloseable {

    List<List<Detection>> detect(List<Mat> images) throws Exception;

    default Prepared prepare(List<Mat> images) throws Exception {
        return new Prepared() {
            private List<List<Detection>> results;

            @Override
            public void infer() throws Exception {
                results = detect(images);
            }

            @Override
            public List<List<Detection>> decode() {
                return results;
            }
        };
    }

    /** How many batches {@link Prepared#infer()} may run at the same time. */
    default int concurrency() {
        return 1;
    }

    /**
     * The input size the detector scales every image to, {@code {width, height}}, or null when it takes images
     * as they come. The engine decodes kept frames at no more than this size (boxes are reported in source pixels).
     */
    default int[] inputSize() {
        return null;
    }

    @Override
    default void close() throws Exception {
    }

    /** A batch between the steps; {@link #close()} frees what it holds when it goes no further. */
    interface Prepared extends AutoCloseable {
        void infer() throws Exception;

        List<List<Detection>> decode();

        @Override
        default void close() {
        }
    }

    static FrameDetector of(OnnxDetector detector) {
        return new FrameDetector() {
            @Override
            public List<List<Detection>> detect(List<Mat> images) throws Exception {
                return detector.detect(images);
            }

            @Override
            public Prepared prepare(List<Mat> images) {
                DetectorBatch batch = detector.prepare(images);
                return new Prepared() {
                    @Override
                    public void infer() throws Exception {
                        detector.infer(batch);
                    }

                    @Override
                    public List<List<Detection>> decode() {
                        return detector.decode(batch);
                    }

                    @Override
                    public void close() {
                        batch.close();
                    }
                };
            }

            @Override
            public int concurrency() {
                return detector.instances();
            }

            @Override
            public int[] inputSize() {
                return new int[] {detector.inputWidth(), detector.inputHeight()};
            }

            @Override
            public void close() throws Exception {
                detector.close();
            }
        };
    }
}
