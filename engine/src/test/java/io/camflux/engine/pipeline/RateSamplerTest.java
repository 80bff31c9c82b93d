package io.camflux.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class RateSamplerTest {

    /** Frames arriving as they are timed, like a live camera's. */
    private static int kept(double sourceFps, double maxFps, double seconds) {
        long[] arrival = {0};
        RateSampler sampler = new RateSampler(() -> maxFps, () -> arrival[0]);
        int kept = 0;
        for (long i = 0; i < sourceFps * seconds; i++) {
            long ts = Math.round(i * 1_000_000 / sourceFps);
            arrival[0] = ts * 1000;
            if (sampler.accept(ts)) {
                kept++;
            }
        }
        return kept;
    }

    @Test
    void keepsExactlyMaxFpsWithoutDrift() {
        assertEquals(360, kept(25, 6, 60), 1);
        assertEquals(360, kept(10, 6, 60), 1);
        assertEquals(600, kept(30, 10, 60), 1);
        assertEquals(450, kept(15, 7.5, 60), 1);
        assertEquals(300, kept(5, 6, 60), 0, "a slower source keeps every frame");
    }

    @Test
    void keptFramesAreEvenlySpacedWhenTheRatesDivide() {
        RateSampler sampler = new RateSampler(6);
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            if (sampler.accept(i * 1_000_000L / 30)) {
                kept.add(i);
            }
        }
        for (int k = 0; k < kept.size(); k++) {
            assertEquals(5 * k, kept.get(k));
        }
    }

    @Test
    void jitteredTimestampsStillAverageMaxFps() {
        RateSampler sampler = new RateSampler(6);
        Random random = new Random(1);
        int kept = 0;
        for (int i = 0; i < 25 * 120; i++) {
            long jitter = random.nextInt(16_000) - 8_000;
            if (sampler.accept(i * 40_000L + jitter)) {
                kept++;
            }
        }
        assertEquals(720, kept, 8);
    }

    @Test
    void timestampsGoingBackwardsRestartTheSchedule() {
        long[] arrival = {0};
        RateSampler sampler = new RateSampler(() -> 1, () -> arrival[0]);
        assertTrue(sampler.accept(10_000_000));
        arrival[0] = 500_000_000L;
        assertFalse(sampler.accept(10_500_000));
        arrival[0] = 3_000_000_000L;
        assertTrue(sampler.accept(0), "a reconnect restarts media time");
        arrival[0] = 3_400_000_000L;
        assertFalse(sampler.accept(400_000));
        arrival[0] = 4_000_000_000L;
        assertTrue(sampler.accept(1_000_000));
    }

    /** Live at 25 fps, max_fps 6: what passes per second of arrival, with the timestamps {@code media} gives. */
    private static int[] passedPerSecond(int seconds, java.util.function.IntToLongFunction media) {
        long[] arrival = {0};
        RateSampler sampler = new RateSampler(() -> 6, () -> arrival[0]);
        int[] passed = new int[seconds];
        for (int i = 0; i < seconds * 25; i++) {
            arrival[0] = i * 40_000_000L;
            if (sampler.accept(media.applyAsLong(i))) {
                passed[i / 25]++;
            }
        }
        return passed;
    }

    @Test
    void aStreamWhoseTimestampsJumpBackOnceGoesOnAtMaxFps() {
        // a concatenated recording: media time goes back 30 s at frame 250 and runs on from there
        int[] passed = passedPerSecond(20, i -> i < 250 ? 60_000_000L + i * 40_000L : 30_000_000L + i * 40_000L);
        for (int s = 0; s < passed.length; s++) {
            assertTrue(passed[s] >= 5 && passed[s] <= 7, "second " + s + ": " + java.util.Arrays.toString(passed));
        }
    }

    @Test
    void timestampsBouncingBetweenTwoTimelinesCannotPassMoreThanMaxFps() {
        // two segments' timestamps interleaved (every other frame 100 s back): each frame is a discontinuity
        int[] passed = passedPerSecond(20, i -> (i % 2 == 0 ? 100_000_000L : 0L) + i * 40_000L);
        for (int s = 0; s < passed.length; s++) {
            assertTrue(passed[s] <= 7, "second " + s + " passed " + passed[s] + ": "
                    + java.util.Arrays.toString(passed));
        }
        assertTrue(java.util.Arrays.stream(passed).sum() >= 5 * 20, "and the camera is not starved either: "
                + java.util.Arrays.toString(passed));
    }

    @Test
    void timestampsJumpingBackEveryFewFramesStayAtMaxFps() {
        // a wrapping or broken clock: media time goes back 1 s every 10 frames
        int[] passed = passedPerSecond(20, i -> 5_000_000L + (i % 10) * 40_000L + (i / 10) * 400_000L - (i / 10) * 1_000_000L);
        for (int s = 0; s < passed.length; s++) {
            assertTrue(passed[s] <= 7, "second " + s + ": " + java.util.Arrays.toString(passed));
        }
    }

    @Test
    void samplesAVirtualTimeStreamExactly() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        AtomicInteger rejected = new AtomicInteger();
        RateSampler sampler = new RateSampler(6);
        StepVerifier.withVirtualTime(() -> Flux.interval(Duration.ofMillis(40), vts)
                        .map(i -> vts.now(java.util.concurrent.TimeUnit.MICROSECONDS))
                        .filter(t -> sampler.accept(t) || rejected.incrementAndGet() < 0)
                        .take(Duration.ofSeconds(10), vts), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(10))
                .expectNextCount(60)
                .verifyComplete();
        assertEquals(250 - 60, rejected.get(), 1);
    }

    @Test
    void aRateChangedWhileItRunsAppliesFromTheNextFrame() {
        double[] rate = {6};
        RateSampler sampler = new RateSampler(() -> rate[0]);
        int first = 0, second = 0;
        for (int i = 0; i < 250; i++) { // 10 s at 25 fps
            if (sampler.accept(i * 40_000L)) {
                first++;
            }
        }
        rate[0] = 2;
        for (int i = 250; i < 500; i++) {
            if (sampler.accept(i * 40_000L)) {
                second++;
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(60, first, "6 a second for 10 s");
        org.junit.jupiter.api.Assertions.assertEquals(20, second, "then 2 a second for 10 s");
    }
}
