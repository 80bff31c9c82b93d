package io.camflux.engine.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.DetectionEvent;
import io.camflux.engine.ObjectEvent;
import io.camflux.engine.config.Polygon;
import io.camflux.engine.config.SceneConfig;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.Detection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Object events from synthetic walks through a zone and across a line, at 6 fps. */
class SceneAnalyticsTest {
    private static final double FPS = 6;
    /** A zone x 400..600 (y 0..1000) and a vertical line at x = 800 from top to bottom. */
    private static final SceneConfig SCENE = new SceneConfig(
            List.of(new SceneConfig.Zone("door", new Polygon(List.of(new Polygon.Point(400, 0),
                    new Polygon.Point(600, 0), new Polygon.Point(600, 1000), new Polygon.Point(400, 1000))),
                    Set.of("person"), 0.5)),
            List.of(new SceneConfig.Line("gate", new Polygon.Point(800, 0), new Polygon.Point(800, 1000), Set.of())));

    private final Tracker tracker = new Tracker(Tracker.Settings.DEFAULT);
    private final SceneAnalytics scene = new SceneAnalytics(
            TestConfigs.file("cam-s", "x.mp4", false, false).withScene(SCENE), "runner", "shard");
    private final List<ObjectEvent> events = new ArrayList<>();

    private void frame(double seconds, double... xs) {
        List<Detection> boxes = new ArrayList<>();
        for (double x : xs) {
            boxes.add(new Detection(0, "person", 0.9f, (float) (x - 20), 400, (float) (x + 20), 500));
        }
        Tracker.Update u = tracker.update(boxes, seconds);
        List<DetectionEvent.Detected> detected = new ArrayList<>();
        for (int i = 0; i < boxes.size(); i++) {
            Detection b = boxes.get(i);
            detected.add(new DetectionEvent.Detected("person", 0, 0.9f,
                    new DetectionEvent.Box(b.x1(), b.y1(), b.x2(), b.y2())).withTrack(u.trackIds()[i]));
        }
        events.addAll(scene.frame(u, detected, seconds, Instant.EPOCH, 1, 1));
    }

    private List<String> types() {
        return events.stream().map(e -> e.type() + (e.zone() != null ? ":" + e.zone() : "")
                + (e.direction() != null ? ":" + e.direction() : "")).toList();
    }

    @Test
    void zonesAndLinesReachingOutsideThePictureAreNamedOncePerSize() {
        assertEquals(List.of(), scene.checkPicture(1920, 1080), "everything inside 1920x1080");
        assertEquals(List.of("zone door", "line gate"), scene.checkPicture(704, 576), "both reach y 1000 > 576");
        assertEquals(List.of(), scene.checkPicture(704, 576), "said once for a size");
        assertEquals(List.of("line gate"), scene.checkPicture(700, 1000), "the line at x 800 only");
    }

    @Test
    void aWalkThroughTheZoneAndAcrossTheLineAndBackThenGone() {
        int f = 0;
        // right at 15 px a frame (90 px/s) from x = 200 to 1000 (through x = 800 exactly), turning over a second,
        // then back to 200
        double x = 200;
        for (; x <= 1000; x += 15, f++) {
            frame(f / FPS, x);
        }
        for (double step : new double[] {10, 5, 0, -5, -10}) {
            x += step;
            frame(f++ / FPS, x);
        }
        for (; x >= 200; x -= 15, f++) {
            frame(f / FPS, x);
        }
        for (int g = 0; g < 15; g++, f++) {
            frame(f / FPS);
        }
        // the line runs from the top of the picture to its bottom: facing along it, +x is on the left
        assertEquals(List.of("object.new", "zone.enter:door", "zone.exit:door", "line.cross:right_to_left",
                "line.cross:left_to_right", "zone.enter:door", "zone.exit:door", "object.end"), types());
        ObjectEvent end = events.get(events.size() - 1);
        assertEquals(List.of("door"), end.zonesVisited());
        assertTrue(end.dwellSeconds() > 8, "dwell " + end.dwellSeconds());
        assertEquals("objects.tenant-T.site-T.cam-s", end.routingKey());
        assertTrue(events.stream().allMatch(e -> e.trackId() == end.trackId()), "one object throughout");
    }

    @Test
    void jitterOnTheZonesEdgeDoesNotFlap() {
        // standing on the edge x = 400, the box's centre wobbling 6 px either side for 5 s
        java.util.Random r = new java.util.Random(3);
        for (int f = 0; f < 30; f++) {
            frame(f / FPS, 400 + (r.nextBoolean() ? 6 : -6));
        }
        long enters = events.stream().filter(e -> e.type().equals(ObjectEvent.ZONE_ENTER)).count();
        long exits = events.stream().filter(e -> e.type().equals(ObjectEvent.ZONE_EXIT)).count();
        assertTrue(enters <= 1 && exits == 0, "no flapping: " + types());
    }

    @Test
    void aClassTheZoneDoesNotCountNeverEntersIt() {
        List<Detection> car = List.of(new Detection(2, "car", 0.9f, 480, 400, 520, 500));
        for (int f = 0; f < 12; f++) {
            Tracker.Update u = tracker.update(car, f / FPS);
            events.addAll(scene.frame(u, List.of(new DetectionEvent.Detected("car", 2, 0.9f,
                    new DetectionEvent.Box(480, 400, 520, 500)).withTrack(u.trackIds()[0])), f / FPS, Instant.EPOCH, 1, 1));
        }
        assertEquals(List.of("object.new"), types());
    }
}
