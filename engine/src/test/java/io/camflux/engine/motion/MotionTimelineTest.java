package io.camflux.engine.motion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decay and cooldown, driven by frame timestamps alone. */
class MotionTimelineTest {
    private static final long MS = 1000;

    /** Frames every 100 ms with motion where {@code motion[i]}; what passed. */
    private static List<Boolean> run(MotionTimeline t, boolean... motion) {
        List<Boolean> out = new ArrayList<>();
        for (int i = 0; i < motion.length; i++) {
            out.add(t.pass(i * 100 * MS, motion[i]));
        }
        return out;
    }

    @Test
    void noMotionNoFrames() {
        assertEquals(List.of(false, false, false), run(new MotionTimeline(2.0, 0.5), false, false, false));
    }

    @Test
    void decayKeepsFramesFlowingAfterMotionStops() {
        // motion at 0 ms; decay 0.3 s: frames at 100, 200, 300 ms still pass, 400 ms does not
        assertEquals(List.of(true, true, true, true, false, false),
                run(new MotionTimeline(0.3, 0), true, false, false, false, false, false));
    }

    @Test
    void motionDuringDecayExtendsIt() {
        assertEquals(List.of(true, true, true, true, true, false),
                run(new MotionTimeline(0.2, 0), true, false, true, false, false, false));
    }

    @Test
    void cooldownKeepsAClosedGateClosed() {
        // decay 0.1 s: open at 0, 100; closes at 200 ms; cooldown 0.3 s: motion at 300, 400 is ignored; 500 reopens
        assertEquals(List.of(true, true, false, false, false, true),
                run(new MotionTimeline(0.1, 0.3), true, false, false, true, true, true));
    }

    @Test
    void timestampsGoingBackwardsStartAfresh() {
        MotionTimeline t = new MotionTimeline(0.1, 10);
        assertEquals(true, t.pass(1_000 * MS, true));
        assertEquals(false, t.pass(1_500 * MS, false));
        assertEquals(false, t.pass(1_600 * MS, true), "cooling down");
        assertEquals(true, t.pass(0, true), "a loop restarts media time: no cooldown carried over");
    }
}
