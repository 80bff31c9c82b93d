package io.camflux.engine.motion;

import io.camflux.engine.source.VideoFrame;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * The per-camera motion stage: passes frames worth running the detector on and releases the others with
 * {@link io.camflux.engine.source.DropReason#NO_MOTION}. One instance per camera.
 */
public interface MotionGate extends Function<Flux<VideoFrame>, Flux<VideoFrame>> {

    /** Every frame passes (motion gating disabled, or not yet built). */
    static MotionGate passThrough() {
        return frames -> frames;
    }
}
