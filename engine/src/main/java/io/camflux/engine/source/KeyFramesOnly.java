package io.camflux.engine.source;

/**
 * Has a camera's reader decode only the stream's key frames while they come at least as often as the camera keeps
 * frames: at {@code max_fps} 1, a camera sending a key frame every second needs nothing between them, and decoding
 * the 24 frames between costs most of what the camera costs. Decided again after every decoded frame from the
 * interval between the stream's last two key frames and the sampler's period now, so a longer GOP, or a higher
 * {@code max_fps} set while it runs, brings every frame back. One per connection, on the camera's thread.
 */
final class KeyFramesOnly {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(KeyFramesOnly.class);

    private final String cameraUuid;
    private final StreamReader reader;
    private boolean on;
    /** The reader cannot skip (or the worker's {@code decode.key_frames_only} is {@code never}). */
    private boolean refused;

    KeyFramesOnly(String cameraUuid, StreamReader reader) {
        this.cameraUuid = cameraUuid;
        this.reader = reader;
    }

    /** After a decoded frame: key frames only while they come at least every {@code periodMicros} (0: any rate). */
    void update(long periodMicros) {
        if (refused) {
            return;
        }
        long keyInterval = reader.keyFrameIntervalMicros();
        // RTP clocks jitter and timestamps are rounded: a key frame a twentieth of a period late still counts
        boolean wanted = periodMicros > 0 && keyInterval > 0 && keyInterval <= periodMicros + periodMicros / 20;
        if (wanted == on) {
            return;
        }
        if (!reader.keyFramesOnly(wanted)) {
            refused = true;
            return;
        }
        on = wanted;
        log.info("camera {}: a key frame every {} ms, a frame kept every {} ms: decoding {}", cameraUuid,
                keyInterval / 1000, periodMicros / 1000, on ? "key frames only" : "every frame");
    }
}
