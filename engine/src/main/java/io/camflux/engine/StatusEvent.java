package io.camflux.engine;

import java.time.Instant;

/** What goes to {@code ex_status}: a camera's state change (or failure), or its periodic summary. */
public sealed interface StatusEvent {

    String cameraUuid();

    /** A state change, or a failure with its code and the real next retry delay. */
    record Change(CameraStatus status) implements StatusEvent {
        public String cameraUuid() {
            return status.cameraUuid();
        }
    }

    /**
     * The periodic summary of one camera.
     *
     * @param lastFrameTs   null before the first frame
     * @param lastFrameAgeS -1 before the first frame
     * @param motion        null when the motion gate is off
     */
    record Summary(String cameraUuid, String tenantId, String siteId, CameraState state, Instant ts, double fps,
                   Instant lastFrameTs, double lastFrameAgeS, MotionSummary motion) implements StatusEvent {
    }

    record MotionSummary(long seen, long passed, long skipped, double skipRate) {
    }
}
