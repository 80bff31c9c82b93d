package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShutdownDeadlineTest {

    @Test
    void aShutdownStillRunningAtTheDeadlineIsHaltedWithStatusThreeSayingWhy() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> halted = new CompletableFuture<>();
        ShutdownDeadline.start(Duration.ofMillis(50), () -> false, halted::complete,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Main.EXIT_EVENTS_LOST, halted.get(30, TimeUnit.SECONDS));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("did not finish within 0 s"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aShutdownThatFinishedIsNotHalted() throws Exception {
        CompletableFuture<Integer> halted = new CompletableFuture<>();
        Thread t = ShutdownDeadline.start(Duration.ofMillis(50), () -> true, halted::complete,
                new PrintStream(new ByteArrayOutputStream()));
        t.join(30_000);
        assertFalse(t.isAlive(), "the deadline passed");
        assertFalse(halted.isDone(), "nothing halted");
    }
}
