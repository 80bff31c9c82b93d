package io.camflux.engine.config;

import io.camflux.engine.tracking.Tracker;

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
 */
public record TrackingConfig(boolean enabled, double maxLostSeconds, int minHits, double highScore, double lowScore) {
    public static final TrackingConfig OFF = new TrackingConfig(false, Tracker.Settings.DEFAULT.maxLostSeconds(),
            Tracker.Settings.DEFAULT.minHits(), Tracker.Settings.DEFAULT.highScore(), Tracker.Settings.DEFAULT.lowScore());

    public Tracker.Settings settings() {
        Tracker.Settings d = Tracker.Settings.DEFAULT;
        return new Tracker.Settings(highScore, lowScore, d.matchIou(), d.lowMatchIou(), minHits, maxLostSeconds);
    }
}
