package io.camflux.engine;

import java.time.Instant;

/**
 * A camera's state change. When the change comes from a failure, {@code errorCode} and {@code detail} say
 * what failed and {@code retryInMs} is the real delay before the next connection attempt (else -1).
 *
 * @param fps    measured decoded frames per second at the time of the change (0 when unknown)
 * @param reason why the camera set stopped it ({@code removed}, {@code paused}, {@code replaced}), else null
 */
public record CameraStatus(String cameraUuid, String tenantId, String siteId, CameraState state, Instant ts,
                           double fps, String errorCode, String detail, long retryInMs, String reason) {

    /** A change without a reason (the stream's own doing, not a change of the camera set). */
    public CameraStatus(String cameraUuid, String tenantId, String siteId, CameraState state, Instant ts, double fps,
                        String errorCode, String detail, long retryInMs) {
        this(cameraUuid, tenantId, siteId, state, ts, fps, errorCode, detail, retryInMs, null);
    }

    public boolean isError() {
        return errorCode != null;
    }
}
