package io.camflux.bench.load;

import java.util.List;
import java.util.Map;

/**
 * Everything one load run measured; written as JSON and Markdown. {@code startupInferred}: frames the detector
 * took before the window began (the cameras' start, the motion gates' first frames).
 */
record RunResult(int cameras, double durationS, double maxFps, int height, String scene, boolean motion,
                 List<CameraResult> perCamera, Pipeline pipeline, ProcessFigures process, Baseline baseline,
                 boolean sustained, double drainS, Gpu gpu, int nvdecCameras, Churn churn,
                 List<Map<String, Object>> fpsTimeline, long startupInferred, Map<String, ModelFigures> models) {

    /**
     * One model's share of the window ({@code --models 2}; null with one model).
     *
     * @param inferredFps   frames its cameras had detected per second, all its cameras together
     * @param detectionsPerS objects it found per second
     */
    record ModelFigures(int cameras, double inferredFps, double detectionsPerS, double batchesPerS, double meanBatch,
                        double inferenceP50Ms, double inferenceP99Ms) {
    }

    /**
     * One more camera added and removed beside the N during the window (null without {@code --churn}).
     *
     * @param addToFirstDetectionMs from each add to that camera's first detection event: median, p95
     */
    record Churn(double perMinute, int adds, int removes, double addToFirstDetectionMedianMs,
                 double addToFirstDetectionP95Ms) {
    }

    record CameraResult(String camera, String decoder, double sourceFps, double sampledFps, double inferredFps, double motionPassRate,
                        Map<String, Long> dropped) {
    }

    record Pipeline(double batchesPerS, double meanBatch, double inferenceP50Ms, double inferenceP95Ms,
                    double inferenceP99Ms, double e2eP50Ms, double e2eP95Ms, double e2eP99Ms, double detectionsPerS,
                    long eventsLost) {
    }

    /** @param serverCores CPU cores used by the RTSP server meanwhile (0 for files), apart from the engine's */
    record ProcessFigures(double cpuSeconds, double cpuPerCameraSecond, long rssStartMb, long rssEndMb,
                          double gcPauseS, double serverCores) {
    }

    /** Medians over the window of one-second samples; null without nvidia-smi. */
    record Gpu(double utilizationPct, double decoderPct, long memoryMaxMib, int samples) {
    }

    /**
     * @param engineOverBaseline        engine CPU per camera-second over ffmpeg's
     * @param engineOverBaselinePerFrame engine CPU per decoded frame over ffmpeg's: the same ratio, robust to either
     *                                   side decoding fewer frames than the cameras send
     */
    record Baseline(double ffmpegCpuSeconds, double ffmpegCpuPerCameraSecond, double engineOverBaseline,
                    long ffmpegFrames, double engineOverBaselinePerFrame) {
    }
}
