package io.camflux.engine;

import java.util.Map;

/** A camera's frame accounting, read-only: frames decoded and frames released by reason. */
public interface FrameCounts {
    long decodedCount();

    long releasedCount(DropReason reason);

    /** Decoded minus released: frames in the pipeline now; zero once the camera has stopped, or memory leaked. */
    long inFlight();

    Map<DropReason, Long> snapshot();
}
