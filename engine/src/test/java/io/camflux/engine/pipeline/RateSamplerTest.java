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

    private static int kept(double sourceFps, double maxFps, double seconds) {
        RateSampler sampler = new RateSampler(maxFps);
        int kept = 0;
        for (long i = 0; i < sourceFps * seconds; i++) {
            if (sampler.accept(Math.round(i * 1_000_000 / sourceFps))) {
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
        RateSampler sampler = new RateSampler(1);
        assertTrue(sampler.accept(10_000_000));
        assertFalse(sampler.accept(10_500_000));
        assertTrue(sampler.accept(0), "a reconnect restarts media time");
        assertFalse(sampler.accept(400_000));
        assertTrue(sampler.accept(1_000_000));
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
