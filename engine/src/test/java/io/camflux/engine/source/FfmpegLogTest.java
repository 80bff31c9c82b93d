package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** FFmpeg's repeated complaints are said once per 10 s per shape, with how many were held back. */
class FfmpegLogTest {
    private static final long S = 1_000_000_000L;

    @Test
    void aMessageRepeatingWithOtherNumbersIsSaidOncePerTenSecondsWithTheCountHeldBack() {
        FfmpegLog log = new FfmpegLog();
        long t = 1_000 * S;
        assertEquals("[hevc @ 0x7f9b] Could not find ref with POC 21", log.sayOnce("[hevc @ 0x7f9b] Could not find ref with POC 21", t));
        assertNull(log.sayOnce("[hevc @ 0x7f9b] Could not find ref with POC 22", t + S));
        assertNull(log.sayOnce("[hevc @ 0x8a01] Could not find ref with POC 23", t + 2 * S), "another decoder, same words");
        assertEquals("moov atom not found", log.sayOnce("moov atom not found", t + 3 * S), "other words are said at once");
        assertEquals("[hevc @ 0x7f9b] Could not find ref with POC 40 (and 2 more like it in the last 10 s)",
                log.sayOnce("[hevc @ 0x7f9b] Could not find ref with POC 40", t + 10 * S));
        assertNull(log.sayOnce("[hevc @ 0x7f9b] Could not find ref with POC 41", t + 11 * S));
        assertEquals("[hevc @ 0x7f9b] Could not find ref with POC 99 (and 1 more like it in the last 30 s)",
                log.sayOnce("[hevc @ 0x7f9b] Could not find ref with POC 99", t + 40 * S));
    }
}
