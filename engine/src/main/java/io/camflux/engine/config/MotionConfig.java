package io.camflux.engine.config;

/** The seed's motion settings (the motion gate itself comes with its own issue; here frames pass through). */
public record MotionConfig(boolean enabled, double pixelThreshold, double sensitivity, double cooldownSeconds) {
}
