package io.camflux.engine.tracking;

import io.camflux.model.Detection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One camera's multi-object tracker, ByteTrack's way: each track's box follows a constant-velocity motion model
 * (an alpha-beta filter on centre and size, over real time, since frames come at the sampled rate); boxes of high
 * score are matched first to every live track, lost ones included, by IoU with the predicted box; boxes of low score
 * are then matched to the tracks still unmatched that were seen last frame (they keep an occluded object's track
 * instead of starting a new one, and never start one themselves). A new track is confirmed after {@code minHits}
 * matches, gets a {@code track_id} then, and ends once unseen for {@code maxLostSeconds}. Not thread-safe: one
 * camera's frames, in order.
 */
public final class Tracker {
    private static final AtomicLong IDS = new AtomicLong();
    private static final double ALPHA = 0.7;
    private static final double BETA = 0.3;

    /**
     * @param highScore      boxes at or above it start tracks and are matched first
     * @param lowScore       boxes between it and {@code highScore} only keep existing tracks alive
     * @param matchIou       the least IoU for a first-pass match
     * @param lowMatchIou    the least IoU for a second-pass (low score) match
     * @param minHits        matches before a track is confirmed and numbered
     * @param maxLostSeconds how long a confirmed track survives unseen (an occlusion, a missed detection)
     */
    public record Settings(double highScore, double lowScore, double matchIou, double lowMatchIou, int minHits,
                           double maxLostSeconds) {
        /** Defaults that work at 6 fps: confirmed on the second frame (a third of a second), kept 2 s unseen. */
        public static final Settings DEFAULT = new Settings(0.5, 0.1, 0.2, 0.5, 2, 2.0);

        /** The config's {@code tracking} settings, the IoU thresholds as {@link #DEFAULT}'s. */
        public static Settings of(io.camflux.engine.config.TrackingConfig tracking) {
            return new Settings(tracking.highScore(), tracking.lowScore(), DEFAULT.matchIou(), DEFAULT.lowMatchIou(),
                    tracking.minHits(), tracking.maxLostSeconds());
        }
    }

    /** A track that ended: its id, class, first and last time seen (seconds), and its best box. */
    public record Ended(long trackId, int classId, String className, double firstSeen, double lastSeen,
                        Detection best) {
        public double dwellSeconds() {
            return lastSeen - firstSeen;
        }
    }

    /** One frame's result: the track id of each input box (0: not on a confirmed track), and tracks that ended. */
    public record Update(long[] trackIds, List<Ended> ended, List<Long> started) {
    }

    private final Settings settings;
    private final List<Track> tracks = new ArrayList<>();

    public Tracker(Settings settings) {
        this.settings = settings;
    }

    /** Tracks alive now (confirmed, tentative or lost). */
    public int size() {
        return tracks.size();
    }

    private double lastUpdate = Double.NEGATIVE_INFINITY;

    /**
     * The boxes of one frame at {@code seconds} (the camera's media time). A clock that goes back (a file looping,
     * a camera that restarted its timestamps) ends every track first: positions across it say nothing.
     */
    public Update update(List<Detection> boxes, double seconds) {
        List<Ended> ended = new ArrayList<>();
        if (seconds < lastUpdate) {
            ended.addAll(close());
        }
        lastUpdate = seconds;
        long[] ids = new long[boxes.size()];
        boolean[] used = new boolean[boxes.size()];
        List<Long> started = new ArrayList<>();
        for (Track t : tracks) {
            t.predict(seconds);
            t.matched = false;
        }
        // first pass: high-score boxes against every track, lost ones too
        match(boxes, used, ids, seconds, true, settings.matchIou(), started);
        // second pass: low-score boxes against tracks seen on the previous update and unmatched so far
        match(boxes, used, ids, seconds, false, settings.lowMatchIou(), started);
        for (Iterator<Track> it = tracks.iterator(); it.hasNext(); ) {
            Track t = it.next();
            if (t.matched) {
                continue;
            }
            t.seenLastUpdate = false;
            if (t.id == 0 || seconds - t.lastSeen > settings.maxLostSeconds()) {
                it.remove();
                if (t.id != 0) {
                    ended.add(new Ended(t.id, t.classId, t.className, t.firstSeen, t.lastSeen, t.best));
                }
            }
        }
        for (int i = 0; i < boxes.size(); i++) {
            Detection d = boxes.get(i);
            if (!used[i] && d.confidence() >= settings.highScore()) {
                Track t = new Track(d, seconds);
                if (settings.minHits() <= 1) {
                    t.id = IDS.incrementAndGet();
                    started.add(t.id);
                    ids[i] = t.id;
                }
                tracks.add(t);
            }
        }
        return new Update(ids, ended, started);
    }

    /** Ends every track (the camera stopped): what they were. */
    public List<Ended> close() {
        List<Ended> ended = new ArrayList<>();
        for (Track t : tracks) {
            if (t.id != 0) {
                ended.add(new Ended(t.id, t.classId, t.className, t.firstSeen, t.lastSeen, t.best));
            }
        }
        tracks.clear();
        return ended;
    }

    private void match(List<Detection> boxes, boolean[] used, long[] ids, double seconds, boolean high, double minIou,
                       List<Long> started) {
        List<double[]> pairs = new ArrayList<>(); // {iou, track index, box index}
        for (int b = 0; b < boxes.size(); b++) {
            Detection d = boxes.get(b);
            boolean isHigh = d.confidence() >= settings.highScore();
            if (used[b] || isHigh != high || (!high && d.confidence() < settings.lowScore())) {
                continue;
            }
            for (int ti = 0; ti < tracks.size(); ti++) {
                Track t = tracks.get(ti);
                if (t.matched || t.classId != d.classId() || (!high && !t.seenLastUpdate)) {
                    continue;
                }
                double iou = t.iou(d);
                if (iou >= minIou) {
                    pairs.add(new double[] {iou, ti, b});
                }
            }
        }
        // greedy by IoU, best first: the same result as an optimal assignment whenever boxes do not compete closely
        pairs.sort((p, q) -> Double.compare(q[0], p[0]));
        for (double[] p : pairs) {
            Track t = tracks.get((int) p[1]);
            int b = (int) p[2];
            if (t.matched || used[b]) {
                continue;
            }
            t.correct(boxes.get(b), seconds);
            used[b] = true;
            if (t.id == 0 && t.hits >= settings.minHits()) {
                t.id = IDS.incrementAndGet();
                started.add(t.id);
            }
            ids[b] = t.id;
        }
    }

    /** A track's state: centre, size and their rates of change, per second. */
    private static final class Track {
        final int classId;
        final String className;
        final double firstSeen;
        long id;
        int hits = 1;
        double lastSeen;
        double updated;
        boolean matched = true;
        boolean seenLastUpdate = true;
        Detection best;
        /** cx, cy, w, h */
        final double[] x = new double[4];
        final double[] v = new double[4];
        final double[] predicted = new double[4];

        Track(Detection d, double seconds) {
            classId = d.classId();
            className = d.className();
            firstSeen = lastSeen = updated = seconds;
            best = d;
            measure(d, x);
            System.arraycopy(x, 0, predicted, 0, 4);
        }

        static void measure(Detection d, double[] into) {
            into[0] = (d.x1() + d.x2()) / 2.0;
            into[1] = (d.y1() + d.y2()) / 2.0;
            into[2] = d.x2() - d.x1();
            into[3] = d.y2() - d.y1();
        }

        void predict(double seconds) {
            double dt = seconds - updated;
            for (int i = 0; i < 4; i++) {
                predicted[i] = x[i] + v[i] * dt;
            }
            predicted[2] = Math.max(1, predicted[2]);
            predicted[3] = Math.max(1, predicted[3]);
        }

        void correct(Detection d, double seconds) {
            double[] z = new double[4];
            measure(d, z);
            double dt = seconds - updated;
            for (int i = 0; i < 4; i++) {
                if (hits == 1 && dt > 1e-6) {
                    // the second sighting: the displacement itself is the first velocity (a filter started at rest
                    // lags a walking person by a box width within a few frames)
                    v[i] = (z[i] - x[i]) / dt;
                    x[i] = z[i];
                    continue;
                }
                double residual = z[i] - predicted[i];
                x[i] = predicted[i] + ALPHA * residual;
                if (dt > 1e-6) {
                    v[i] += BETA * residual / dt;
                }
            }
            updated = lastSeen = seconds;
            hits++;
            matched = true;
            seenLastUpdate = true;
            if (d.confidence() > best.confidence()) {
                best = d;
            }
        }

        double iou(Detection d) {
            double ax1 = predicted[0] - predicted[2] / 2, ay1 = predicted[1] - predicted[3] / 2;
            double ax2 = predicted[0] + predicted[2] / 2, ay2 = predicted[1] + predicted[3] / 2;
            double iw = Math.min(ax2, d.x2()) - Math.max(ax1, d.x1());
            double ih = Math.min(ay2, d.y2()) - Math.max(ay1, d.y1());
            if (iw <= 0 || ih <= 0) {
                return 0;
            }
            double inter = iw * ih;
            return inter / (predicted[2] * predicted[3] + (double) (d.x2() - d.x1()) * (d.y2() - d.y1()) - inter);
        }

        @Override
        public String toString() {
            return "Track[" + id + " " + className + " " + Arrays.toString(x) + "]";
        }
    }
}
