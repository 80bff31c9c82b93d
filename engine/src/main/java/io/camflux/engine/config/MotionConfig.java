package io.camflux.engine.config;

/**
 * The motion gate (the seed's {@code motion_config}). Areas ({@code pixelThreshold}, {@code minArea}) and
 * {@code blurSize} are in source-image pixels whatever {@code workingWidth} the detector runs at.
 *
 * @param pixelThreshold      a frame has motion when the moving area exceeds this many pixels
 * @param sensitivity         grey-level difference (0-255) that counts as a changed pixel between frames
 * @param blurSize            Gaussian blur kernel (odd)
 * @param minArea             moving regions smaller than this are noise
 * @param cooldownSeconds     once the gate has closed, it stays closed at least this long (no flapping)
 * @param decaySeconds        after the last frame with motion, frames keep passing this long
 * @param workingWidth        the detector's image width; frames are downscaled to it
 */
public record MotionConfig(boolean enabled, double pixelThreshold, double sensitivity, int blurSize, double minArea,
                           double cooldownSeconds, int dilationIterations, int erosionIterations,
                           double decaySeconds, int workingWidth) {

    public static MotionConfig defaults(boolean enabled) {
        return new MotionConfig(enabled, 150, 25, 21, 500, 0.5, 2, 2, 2.0, 320);
    }
}
