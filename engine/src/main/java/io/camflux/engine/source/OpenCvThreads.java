package io.camflux.engine.source;

/**
 * OpenCV's own thread pool for the per-frame work (colour conversion, resizing) of many cameras at once. OpenCV
 * would split each call over every core, and its idle workers spin: with 32 NVDEC cameras on an H200 host that cost
 * 2.8 of 8.3 cores for the same frames (bench/results/gpu-e2e-2026-12-01-h200.md). The engine runs each call on its
 * caller's thread (the cameras and the prepare threads are the parallelism); {@code decode.opencv_threads} sets
 * another pool size, 0 OpenCV's own choice. The pool is the process's.
 */
public final class OpenCvThreads {
    private OpenCvThreads() {
    }

    /** Sets OpenCV's pool to {@code threads} (0: leaves it); returns the pool size OpenCV uses now. */
    public static int apply(int threads) {
        if (threads > 0) {
            org.bytedeco.opencv.global.opencv_core.setNumThreads(threads);
        }
        return org.bytedeco.opencv.global.opencv_core.getNumThreads();
    }
}
