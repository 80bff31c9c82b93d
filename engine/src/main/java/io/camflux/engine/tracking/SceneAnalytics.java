package io.camflux.engine.tracking;

import io.camflux.engine.DetectionEvent;
import io.camflux.engine.ObjectEvent;
import io.camflux.engine.config.SceneConfig;
import io.camflux.engine.config.SourceConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One camera's object lifecycle on top of its tracker: a confirmed track is {@code object.new}; its bottom centre
 * entering or leaving a zone (after {@code min_seconds} on the new side) is {@code zone.enter} / {@code zone.exit};
 * its path crossing a line is {@code line.cross}; an ended track is {@code object.end} with its dwell, best box and
 * the zones it visited (and an exit from each zone it was still in). Not thread-safe: one camera's frames, in order.
 */
public final class SceneAnalytics {
    private final SourceConfig source;
    private final SceneConfig scene;
    private final String runnerId;
    private final String shardId;
    private final Map<Long, TrackState> tracks = new HashMap<>();
    /** The latest frame's scale from the tracker's image pixels to source pixels (an ended track's best box). */
    private double scaleX = 1;
    private double scaleY = 1;

    private static final class TrackState {
        final String className;
        final Map<String, ZoneState> zones = new HashMap<>();
        /** Per line, the last point that was off it ({x, y}): a point landing on the line is neither side. */
        final Map<String, double[]> offLine = new HashMap<>();
        final TreeSet<String> visited = new TreeSet<>();

        TrackState(String className) {
            this.className = className;
        }
    }

    private static final class ZoneState {
        boolean inside;
        double pendingSince = -1;
    }

    /** The picture size the zones and lines were last checked against (a camera may change it). */
    private int checkedWidth;
    private int checkedHeight;

    public SceneAnalytics(SourceConfig source, String runnerId, String shardId) {
        this.source = source;
        this.scene = source.scene();
        this.runnerId = runnerId;
        this.shardId = shardId;
    }

    /**
     * One frame: the tracker's update for it and its detections in source pixels (with their track ids);
     * {@code scaleX}, {@code scaleY} take the tracker's image pixels (an ended track's best box) to source pixels.
     */
    public List<ObjectEvent> frame(Tracker.Update update, List<DetectionEvent.Detected> detections, double seconds,
                                   Instant ts, double scaleX, double scaleY) {
        this.scaleX = scaleX;
        this.scaleY = scaleY;
        List<ObjectEvent> out = new ArrayList<>();
        for (DetectionEvent.Detected d : detections) {
            if (d.trackId() == null) {
                continue;
            }
            long id = d.trackId();
            TrackState t = tracks.get(id);
            if (t == null) {
                t = new TrackState(d.className());
                tracks.put(id, t);
                out.add(event(ObjectEvent.NEW, ts, id, d.className(), d.box(), d.confidence(), null, null, null, null,
                        null));
            }
            double x = (d.box().x1() + d.box().x2()) / 2, y = d.box().y2();
            for (SceneConfig.Zone z : scene.zones()) {
                if (z.counts(t.className)) {
                    zone(out, ts, id, t, z, z.contains(x, y), seconds);
                }
            }
            for (SceneConfig.Line l : scene.lines()) {
                if (!l.counts(t.className) || l.side(x, y) == 0) {
                    continue;
                }
                double[] last = t.offLine.get(l.name());
                String direction = last == null ? null : l.crossing(last[0], last[1], x, y);
                if (direction != null) {
                    out.add(event(ObjectEvent.LINE_CROSS, ts, id, t.className, d.box(), null, null, l.name(),
                            direction, null, null));
                }
                t.offLine.put(l.name(), new double[] {x, y});
            }
        }
        for (Tracker.Ended e : update.ended()) {
            end(out, e, ts);
        }
        return out;
    }

    /**
     * Warns once per picture size about zones and lines that reach outside the camera's picture (in source pixels):
     * their outside part never sees an object, which is most likely a mistake (a zone drawn on another camera's
     * picture, or for another resolution). Returns the names that do.
     */
    public List<String> checkPicture(int width, int height) {
        if (width == checkedWidth && height == checkedHeight) {
            return List.of();
        }
        checkedWidth = width;
        checkedHeight = height;
        List<String> outside = new ArrayList<>();
        for (SceneConfig.Zone z : scene.zones()) {
            if (z.polygon().points().stream().anyMatch(p -> p.x() > width || p.y() > height)) {
                outside.add("zone " + z.name());
            }
        }
        for (SceneConfig.Line l : scene.lines()) {
            if (List.of(l.from(), l.to()).stream().anyMatch(p -> p.x() > width || p.y() > height)) {
                outside.add("line " + l.name());
            }
        }
        if (!outside.isEmpty()) {
            org.slf4j.LoggerFactory.getLogger(SceneAnalytics.class).warn("camera {}: {} reach outside its {}x{}"
                    + " picture (source pixels); that part never sees an object", source.cameraUuid(), outside, width,
                    height);
        }
        return outside;
    }

    /** The camera stopped: every track ends (the tracker's {@link Tracker#close()}), at its last frame's scale. */
    public List<ObjectEvent> close(List<Tracker.Ended> ended, Instant ts) {
        List<ObjectEvent> out = new ArrayList<>();
        for (Tracker.Ended e : ended) {
            end(out, e, ts);
        }
        return out;
    }

    private void zone(List<ObjectEvent> out, Instant ts, long id, TrackState t, SceneConfig.Zone z, boolean inside,
                      double seconds) {
        ZoneState s = t.zones.computeIfAbsent(z.name(), k -> new ZoneState());
        if (inside == s.inside) {
            s.pendingSince = -1;
            return;
        }
        if (s.pendingSince < 0) {
            s.pendingSince = seconds;
        }
        if (seconds - s.pendingSince >= z.minSeconds()) {
            s.inside = inside;
            s.pendingSince = -1;
            if (inside) {
                t.visited.add(z.name());
            }
            out.add(event(inside ? ObjectEvent.ZONE_ENTER : ObjectEvent.ZONE_EXIT, ts, id, t.className, null, null,
                    z.name(), null, null, null, null));
        }
    }

    private void end(List<ObjectEvent> out, Tracker.Ended e, Instant ts) {
        TrackState t = tracks.remove(e.trackId());
        List<String> visited = List.of();
        if (t != null) {
            for (Map.Entry<String, ZoneState> z : t.zones.entrySet()) {
                if (z.getValue().inside) {
                    out.add(event(ObjectEvent.ZONE_EXIT, ts, e.trackId(), e.className(), null, null, z.getKey(), null,
                            null, null, null));
                }
            }
            visited = List.copyOf(t.visited);
        }
        DetectionEvent.Box best = new DetectionEvent.Box((float) (e.best().x1() * scaleX),
                (float) (e.best().y1() * scaleY), (float) (e.best().x2() * scaleX), (float) (e.best().y2() * scaleY));
        out.add(event(ObjectEvent.END, ts, e.trackId(), e.className(), best, e.best().confidence(), null, null, null,
                e.dwellSeconds(), visited));
    }

    private ObjectEvent event(String type, Instant ts, long id, String className, DetectionEvent.Box box,
                              Float confidence, String zone, String line, String direction, Double dwell,
                              List<String> visited) {
        return new ObjectEvent(type, ts, runnerId, shardId, source.tenantId(), source.siteId(), source.cameraUuid(),
                source.model(), id, className, box, confidence, zone, line, direction, dwell, visited);
    }
}
