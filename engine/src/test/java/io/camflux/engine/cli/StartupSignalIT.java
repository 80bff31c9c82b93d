package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.testing.WorkerJar;
import io.camflux.model.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM at any moment of the runnable jar's start-up (config, model load and warm-up, the first frames): a clean
 * exit with a word about it, never a native crash (exit 134 and an hs_err file, one try in six before) or a silent
 * 143. Two SIGTERMs during start-up stop at once, saying so.
 */
class StartupSignalIT {

    @TempDir
    Path dir;

    private Path last;

    private String lastLog() throws Exception {
        return Files.readString(last);
    }

    private Process start(Path config) throws Exception {
        last = dir.resolve("out-" + System.nanoTime() + ".log");
        return WorkerJar.command(List.of(), config).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(last.toFile())
                .start();
    }

    private Path config() throws Exception {
        return Files.writeString(dir.resolve("shard.json"), """
                {"sources": [{"camera_uuid": "cam-1", "url": "%s", "loop": true}],
                 "http": {"port": 0, "metrics_port": 0}}""".formatted(TestAssets.media("cam1.mp4")));
    }

    private static void signal(Process p, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor();
    }

    @Test
    void aSigtermAtAnyMomentOfStartUpEndsCleanly() throws Exception {
        Path config = config();
        List<String> outcomes = new ArrayList<>();
        for (long delay : new long[] {50, 300, 700, 1100, 1500, 2000, 2600, 3500}) {
            Process p = start(config);
            Thread.sleep(delay);
            signal(p, "TERM");
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exits after a SIGTERM at " + delay + " ms");
            outcomes.add(delay + " ms: " + p.exitValue());
            if (p.exitValue() == Signals.EXIT_HALTED && lastLog().isBlank()) {
                // the JVM had not reached CamFlux's main yet: nothing was loaded, the JVM's own exit is right
                continue;
            }
            assertEquals(0, p.exitValue(), "a clean exit after a SIGTERM at " + delay + " ms: " + outcomes
                    + "\n" + lastLog());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")), "no JVM crash file");
        }
        String logs = logs();
        assertTrue(logs.contains("during start-up"), "a word about the stop asked for during start-up: " + logs);
        System.out.println("STARTUP SIGTERM exits: " + outcomes);
    }

    @Test
    void twoSigtermsDuringStartUpStopAtOnceSayingSo() throws Exception {
        Process p = start(config());
        // CamFlux's own first log line: its handlers are in (they go in first of all). A fixed wait here sent both
        // signals before the JVM reached main on a busy machine, and the JVM's default handler ended it silently
        io.camflux.engine.testing.Await.until(() -> Files.readAllLines(last).stream()
                .anyMatch(l -> !l.isBlank() && !l.startsWith("WARNING:")), 60, "CamFlux's main has started");
        signal(p, "TERM");
        Thread.sleep(200);
        signal(p, "TERM");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String logs = logs();
        if (logs.contains("again during start-up")) {
            assertEquals(Signals.EXIT_HALTED, p.exitValue(), logs);
        } else {
            // the start-up was over before the second signal: it terminated the run instead
            assertTrue(logs.contains("again: stopping now"), logs);
        }
    }

    private String logs() throws Exception {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                all.append(Files.readString(f));
            }
        }
        return all.toString();
    }
}
