package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.config.ReconnectConfig;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesUpToTheMaximumWithoutJitter() {
        Backoff b = new Backoff(new ReconnectConfig(Duration.ofMillis(500), Duration.ofSeconds(5), 0, 0), () -> 0.7);
        assertEquals(500, b.delayMillis(1));
        assertEquals(1000, b.delayMillis(2));
        assertEquals(2000, b.delayMillis(3));
        assertEquals(4000, b.delayMillis(4));
        assertEquals(5000, b.delayMillis(5));
        assertEquals(5000, b.delayMillis(500), "no overflow after many failures");
    }

    @Test
    void jitterStaysWithinItsSpreadAndTheCap() {
        Random random = new Random(3);
        Backoff b = new Backoff(new ReconnectConfig(Duration.ofMillis(1000), Duration.ofSeconds(30), 0.2, 0),
                random::nextDouble);
        long min = Long.MAX_VALUE, max = 0;
        for (int i = 0; i < 10_000; i++) {
            long d = b.delayMillis(2);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertTrue(min >= 1600 && min < 1650, "min " + min);
        assertTrue(max <= 2400 && max > 2350, "max " + max);
        assertTrue(b.delayMillis(100) <= 30_000);
    }

    @Test
    void maxAttemptsBoundsRetries() {
        Backoff forever = new Backoff(new ReconnectConfig(Duration.ofMillis(1), Duration.ofMillis(1), 0, 0), () -> 0);
        assertTrue(forever.allows(1_000_000));
        Backoff three = new Backoff(new ReconnectConfig(Duration.ofMillis(1), Duration.ofMillis(1), 0, 3), () -> 0);
        assertTrue(three.allows(2));
        assertFalse(three.allows(3));
    }
}
