package io.camflux.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.CameraView;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * 200 adds and removes of one camera (a real clip, really decoded) next to two streaming ones: threads and open
 * files come back to where they were, every frame of every removed camera is released, no series is left behind.
 * RSS is printed, not asserted (the allocator keeps what it had).
 */
class CameraChurnTest {
    private static final int CYCLES = 200;

    @Test
    void addingAndRemovingACameraTwoHundredTimesLeavesNothingBehind() throws Exception {
        SourceConfig a = TestConfigs.file("a", TestAssets.media("cam1.mp4").toString(), true, true);
        SourceConfig b = TestConfigs.file("b", TestAssets.media("cam2.mp4").toString(), true, true);
        SourceConfig churn = TestConfigs.file("churn", TestAssets.media("cam3.mp4").toString(), true, false);
        try (CamFlux engine = CamFlux.builder(TestConfigs.shard(6, 8, List.of(a, b)))
                .detector(FakeDetectors.fixedCost(0)).build()) {
            Disposable running = engine.detections().subscribe();
            for (int i = 0; i < 3; i++) {
                cycle(engine, churn); // warm: classes, natives, pools
            }
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            long files = openFiles();
            long rss = rssKb();
            long released = 0;
            for (int i = 0; i < CYCLES; i++) {
                released += cycle(engine, churn);
            }
            Thread.sleep(200);
            int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
            long filesAfter = openFiles();
            long rssAfter = rssKb();
            System.out.printf("churn: %d cycles, threads %d -> %d, open files %d -> %d, RSS %d -> %d MB, %d frames "
                    + "decoded and released%n", CYCLES, threads, threadsAfter, files, filesAfter, rss / 1024,
                    rssAfter / 1024, released);
            assertTrue(threadsAfter <= threads + 2, "threads " + threads + " -> " + threadsAfter);
            assertTrue(filesAfter <= files + 4, "open files " + files + " -> " + filesAfter);
            assertTrue(released >= CYCLES, "every cycle decoded frames: " + released);
            assertEquals(List.of("a", "b"), engine.cameras().stream().map(c -> c.config().cameraUuid()).toList());
            assertTrue(engine.meterRegistry().getMeters().stream()
                    .noneMatch(m -> "churn".equals(m.getId().getTag("camera_uuid"))), "no series of the churned camera");
            running.dispose();
        }
    }

    /** Adds the camera, waits for its first frames, removes it; the frames it decoded (all released). */
    private static long cycle(CamFlux engine, SourceConfig source) throws InterruptedException {
        engine.add(source).block(Duration.ofSeconds(10));
        CameraView camera = engine.cameras().stream().filter(c -> c.config().cameraUuid().equals(source.cameraUuid()))
                .findFirst().orElseThrow();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (camera.ledger().decodedCount() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        engine.remove(source.cameraUuid()).block(Duration.ofSeconds(30));
        assertEquals(0, camera.ledger().inFlight(), "a removed camera's frames are all released");
        return camera.ledger().decodedCount();
    }

    private static long openFiles() {
        File[] fds = new File("/proc/self/fd").listFiles();
        return fds == null ? -1 : fds.length;
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
