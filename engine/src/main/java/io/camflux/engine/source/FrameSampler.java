package io.camflux.engine.source;

/** Which decoded frames of a camera are kept, judged by media time, and how often it keeps one. */
@FunctionalInterface
public interface FrameSampler {
    /** Whether the frame at {@code ptsMicros} is kept (called once per decoded frame, in order). */
    boolean accept(long ptsMicros);

    /**
     * The media time between kept frames now (1 / max_fps), in microseconds; 0 when it keeps any frame it is shown.
     * A camera whose key frames come at least this often decodes only its key frames.
     */
    default long periodMicros() {
        return 0;
    }
}
