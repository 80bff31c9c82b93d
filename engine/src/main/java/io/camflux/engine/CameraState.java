package io.camflux.engine;

/** Where a camera's stream stands. */
public enum CameraState {
    CONNECTING, STREAMING, RECONNECTING, DISCONNECTED, PAUSED
}
