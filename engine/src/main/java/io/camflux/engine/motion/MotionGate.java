package io.camflux.engine.motion;

import io.camflux.engine.source.PictureFilter;

/**
 * The motion stage of one camera: for each run of the camera, a filter that keeps the frames worth running the
 * detector on. The reader applies it to a sampled frame's decoded picture before conversion; a frame it drops is
 * counted as {@link io.camflux.engine.DropReason#NO_MOTION}.
 */
@FunctionalInterface
public interface MotionGate {

    /** A fresh gate for a new run (no background yet); the camera closes it when the run ends. */
    PictureFilter open();
}
