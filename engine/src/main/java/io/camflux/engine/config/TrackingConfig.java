package io.camflux.engine.config;

import io.camflux.engine.tracking.Tracker;
import io.camflux.model.EnumValue;

/**
 * {@code tracking}: a tracker per camera on the stage behind inference; each detection of a confirmed track carries
 * its {@code track_id}. Times are in seconds, since frames arrive at the sampled rate.
 *
 * @param enabled        off by default: events are as they were
 * @param maxLostSeconds how long a track survives unseen (an occlusion, a missed detection)
 * @param minHits        matched frames before a track is confirmed and numbered
 * @param highScore      boxes at or above it start and first continue tracks
 * @param lowScore       boxes from it up to {@code highScore} only continue tracks (ByteTrack's second pass); the
 *                       detector's {@code model.confidence} bounds what reaches the tracker
 * @param events         what is published: frames (default), objects or both; objects need tracking
 */
public record TrackingConfig(boolean enabled, double maxLostSeconds, int minHits, double highScore, double lowScore,
                             Events events) {
    public static final TrackingConfig OFF = new TrackingConfig(false, Tracker.Settings.DEFAULT.maxLostSeconds(),
            Tracker.Settings.DEFAULT.minHits(), Tracker.Settings.DEFAULT.highScore(), Tracker.Settings.DEFAULT.lowScore());

    /** The top-level {@code events}: what the worker publishes. */
    public enum Events {
        /** a detection event per inferred frame (the default, as before tracking) */
        FRAMES,
        /** object events only (object.new/end, zone.enter/exit, line.cross) */
        OBJECTS,
        BOTH;

        public static Events parse(String value) {
            return EnumValue.parse(Events.class, value, "frames, objects or both");
        }

        public boolean frames() {
            return this != OBJECTS;
        }

        public boolean objects() {
            return this != FRAMES;
        }
    }

    /** Frames published, as before tracking. */
    public TrackingConfig(boolean enabled, double maxLostSeconds, int minHits, double highScore, double lowScore) {
        this(enabled, maxLostSeconds, minHits, highScore, lowScore, Events.FRAMES);
    }

    public TrackingConfig withEvents(Events value) {
        return new TrackingConfig(enabled, maxLostSeconds, minHits, highScore, lowScore, value);
    }
}
