package io.camflux.engine;

import java.util.Locale;

/** Why a frame left the pipeline. Every frame is released with exactly one of these. */
public enum DropReason {
    /** Not dropped: it reached the detector. */
    INFERRED,
    /** The pipeline was busy; a newer frame replaced it (latest wins). */
    BACKPRESSURE,
    /** Above max_fps. */
    SAMPLED_OUT,
    /** The motion gate saw nothing moving. */
    NO_MOTION,
    /** The pipeline stopped while the frame was in flight. */
    CANCELLED,
    /** The detector failed on the batch that held it. */
    INFERENCE_ERROR;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
