package io.camflux.engine.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.model.Detection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Synthetic trajectories at 6 fps: identities through crossings, gaps, low scores, exits and re-entries. */
class TrackerTest {
    private static final double FPS = 6;

    private static Detection person(double cx, double cy, float score) {
        return box(0, "person", cx, cy, 40, 100, score);
    }

    private static Detection box(int classId, String name, double cx, double cy, double w, double h, float score) {
        return new Detection(classId, name, score, (float) (cx - w / 2), (float) (cy - h / 2), (float) (cx + w / 2),
                (float) (cy + h / 2));
    }

    @Test
    void aTrackIsConfirmedOnItsSecondFrameAndKeepsItsIdWhileItMoves() {
        Tracker tracker = new Tracker(Tracker.Settings.DEFAULT);
        long first = tracker.update(List.of(person(100, 200, 0.9f)), 0).trackIds()[0];
        assertEquals(0, first, "tentative on its first frame");
        Tracker.Update second = tracker.update(List.of(person(108, 200, 0.9f)), 1 / FPS);
        long id = second.trackIds()[0];
        assertTrue(id > 0);
        assertEquals(List.of(id), second.started());
        for (int f = 2; f < 30; f++) {
            assertEquals(id, tracker.update(List.of(person(100 + 8 * f, 200, 0.9f)), f / FPS).trackIds()[0], "frame " + f);
        }
    }

    @Test
    void twoPeopleCrossingPathsKeepTheirIds() {
        Tracker tracker = new Tracker(Tracker.Settings.DEFAULT);
        long left = 0, right = 0;
        for (int f = 0; f < 40; f++) {
            // one walks right, the other left, 10 px a frame; they overlap fully at frame 20
            double a = 100 + 10 * f, b = 500 - 10 * f;
            long[] ids = tracker.update(List.of(person(a, 300, 0.9f), person(b, 304, 0.85f)), f / FPS).trackIds();
            if (f == 2) {
                left = ids[0];
                right = ids[1];
                assertNotEquals(left, right);
            } else if (f > 2 && Math.abs(a - b) > 45) {
                // while they overlap closely, a missed match may happen; apart again, each has its own id back
                assertEquals(left, ids[0], "the one walking right, frame " + f);
                assertEquals(right, ids[1], "the one walking left, frame " + f);
            }
        }
    }

    @Test
    void aGapShorterThanMaxLostKeepsTheIdALongerOneEndsTheTrack() {
        Tracker tracker = new Tracker(Tracker.Settings.DEFAULT);
        double t = 0;
        long id = 0;
        int f = 0;
        for (; f < 6; f++, t = f / FPS) {
            id = tracker.update(List.of(person(100 + 5 * f, 200, 0.9f)), t).trackIds()[0];
        }
        // occluded for 1 s (6 frames): nothing detected
        for (int g = 0; g < 6; g++, f++, t = f / FPS) {
            assertEquals(List.of(), tracker.update(List.of(), t).ended(), "still lost, not ended");
        }
        assertEquals(id, tracker.update(List.of(person(100 + 5 * f, 200, 0.9f)), t).trackIds()[0],
                "back where its motion model expects it: the same id");
        f++;
        t = f / FPS;
        // now gone for 3 s: longer than max_lost_seconds (2)
        List<Tracker.Ended> ended = new ArrayList<>();
        for (int g = 0; g < 18; g++, f++, t = f / FPS) {
            ended.addAll(tracker.update(List.of(), t).ended());
        }
        assertEquals(1, ended.size());
        assertEquals(id, ended.get(0).trackId());
        assertEquals("person", ended.get(0).className());
        assertEquals(12 / FPS, ended.get(0).dwellSeconds(), 1e-9, "first seen at 0 s, last at frame 12");
        tracker.update(List.of(person(100 + 5 * f, 200, 0.9f)), t);
        long again = tracker.update(List.of(person(105 + 5 * f, 200, 0.9f)), t + 1 / FPS).trackIds()[0];
        assertTrue(again > 0 && again != id, "a re-entry after the track ended is a new object");
    }

    @Test
    void lowScoreBoxesKeepATrackAliveButNeverStartOne() {
        Tracker tracker = new Tracker(Tracker.Settings.DEFAULT);
        long id = 0;
        for (int f = 0; f < 4; f++) {
            id = tracker.update(List.of(person(100 + 6 * f, 200, 0.9f)), f / FPS).trackIds()[0];
        }
        for (int f = 4; f < 30; f++) {
            // half hidden: the detector's score drops below the high threshold for 4 s, longer than max_lost
            assertEquals(id, tracker.update(List.of(person(100 + 6 * f, 200, 0.3f)), f / FPS).trackIds()[0],
                    "frame " + f);
        }
        Tracker fresh = new Tracker(Tracker.Settings.DEFAULT);
        for (int f = 0; f < 10; f++) {
            assertEquals(0, fresh.update(List.of(person(300, 200, 0.3f)), f / FPS).trackIds()[0]);
        }
        assertEquals(0, fresh.size(), "no track from low-score boxes alone");
    }

    @Test
    void boxesOfAnotherClassDoNotContinueATrack() {
        Tracker tracker = new Tracker(Tracker.Settings.DEFAULT);
        tracker.update(List.of(person(100, 200, 0.9f)), 0);
        long id = tracker.update(List.of(person(102, 200, 0.9f)), 1 / FPS).trackIds()[0];
        Tracker.Update car = tracker.update(List.of(box(2, "car", 104, 200, 40, 100, 0.9f)), 2 / FPS);
        assertEquals(0, car.trackIds()[0], "a car where the person was is a new (tentative) track");
        assertNotEquals(id, tracker.update(List.of(box(2, "car", 106, 200, 40, 100, 0.9f)), 3 / FPS).trackIds()[0]);
    }

    @Test
    void jitterAroundAStillObjectKeepsOneTrack() {
        Tracker tracker = new Tracker(Tracker.Settings.DEFAULT);
        java.util.Random r = new java.util.Random(7);
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (int f = 0; f < 60; f++) {
            long id = tracker.update(List.of(person(400 + r.nextGaussian() * 4, 300 + r.nextGaussian() * 4,
                    0.6f + 0.3f * r.nextFloat())), f / FPS).trackIds()[0];
            if (f > 0) {
                ids.add(id);
            }
        }
        assertEquals(1, ids.size(), "one id for a standing person with jittery boxes: " + ids);
        assertEquals(1, tracker.close().size(), "closing ends it");
    }

    @Test
    void aClockThatGoesBackEndsEveryTrack() {
        Tracker tracker = new Tracker(Tracker.Settings.DEFAULT);
        tracker.update(List.of(person(100, 200, 0.9f)), 10);
        long id = tracker.update(List.of(person(104, 200, 0.9f)), 10 + 1 / FPS).trackIds()[0];
        Tracker.Update looped = tracker.update(List.of(person(104, 200, 0.9f)), 0);
        assertEquals(List.of(id), looped.ended().stream().map(Tracker.Ended::trackId).toList());
        assertEquals(0, looped.trackIds()[0], "a new, tentative track after the jump");
    }
}
