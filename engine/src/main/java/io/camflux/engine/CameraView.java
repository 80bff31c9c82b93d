package io.camflux.engine;

import io.camflux.engine.config.SourceConfig;

/** A camera of a running engine, read-only: what it is, its state and its rates. */
public interface CameraView {
    default String cameraUuid() {
        return config().cameraUuid();
    }

    SourceConfig config();

    /** The last state it announced; null before its first connection attempt. */
    CameraState state();

    /**
     * The decoder of its current or last connection, as the reader names it ({@code h264}, {@code h264_cuvid (nvdec)
     * at 416x234}); null before its first connection.
     */
    String decoder();

    /** Frames decoded per second, over the last 5 s. */
    double decodedFps();

    /** Frames that reached the detector per second, over the last 5 s. */
    double inferredFps();

    /** Wall-clock time of its last decoded frame, 0 before the first. */
    long lastFrameEpochMs();

    /** Its frames decoded, and released by reason. */
    FrameCounts ledger();
}
