package io.camflux.engine;

/** What a change of the camera set did to one camera. */
public record CameraChange(String cameraUuid, Kind kind) {
    public enum Kind {
        ADDED, REPLACED, REMOVED, PAUSED, RESUMED, UNCHANGED
    }
}
