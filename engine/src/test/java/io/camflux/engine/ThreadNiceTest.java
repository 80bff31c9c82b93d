package io.camflux.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.source.ThreadNice;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.SyntheticStreams;
import io.camflux.engine.testing.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadNiceTest {

    @Test
    void lowersTheCallingThreadAloneToTheGivenNice() throws Exception {
        int before = currentThreadNice();
        CompletableFuture<Integer> lowered = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                assertTrue(ThreadNice.lowerCurrentThread(ThreadNice.LOWEST), "renice ran");
                lowered.complete(currentThreadNice());
            } catch (Throwable e) {
                lowered.completeExceptionally(e);
            }
        });
        t.start();
        assertEquals(ThreadNice.LOWEST, lowered.get(30, TimeUnit.SECONDS));
        assertEquals(before, currentThreadNice(), "the caller's thread is untouched");
    }

    /** Connecting and the first frames run at the normal priority: what every camera waits for is done there. */
    @Test
    void aThreadAskedToBeLoweredWhenStreamingIsLoweredAtItsFirstStreamingAlone() throws Exception {
        int before = currentThreadNice();
        CompletableFuture<List<Integer>> seen = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                List<Integer> nice = new ArrayList<>();
                ThreadNice.lowerWhenStreaming(() -> 7);
                nice.add(currentThreadNice());
                ThreadNice.streaming();
                nice.add(currentThreadNice());
                ThreadNice.lowerCurrentThread(9);
                ThreadNice.streaming();
                nice.add(currentThreadNice());
                seen.complete(nice);
            } catch (Throwable e) {
                seen.completeExceptionally(e);
            }
        });
        t.start();
        assertEquals(List.of(before, 7, 9), seen.get(30, TimeUnit.SECONDS),
                "normal until streaming, then the nice asked for, and a second streaming changes nothing");
        ThreadNice.streaming();
        assertEquals(before, currentThreadNice(), "a thread that did not ask is untouched");
    }

    @Test
    void theCamerasTogetherWeighAboutOneNormalThreadPerCore() {
        assertEquals(0, ThreadNice.forCameras(2, 2), "up to a camera per core: the normal priority");
        assertEquals(3, ThreadNice.forCameras(4, 2), "1.25^3 ~ 2 cameras per core");
        assertEquals(14, ThreadNice.forCameras(48, 2), "1.25^14 ~ 24");
        assertEquals(ThreadNice.LOWEST, ThreadNice.forCameras(256, 2), "128 per core is beyond the lowest there is");
        assertEquals(10, ThreadNice.forCameras(300, 32), "1.25^10 ~ 9.3, a GPU host's 300 cameras on 32 cores");
    }

    /** Hundreds of decoding threads must not take the CPU from the probes, the detector and the publisher. */
    @Test
    void everyCameraDecodesAtThePriorityForTheCamerasPerCore() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int cameras = 4 * cores;
        List<io.camflux.engine.config.SourceConfig> sources = new ArrayList<>();
        for (int i = 0; i < cameras; i++) {
            sources.add(TestConfigs.file("cam-" + i, "synthetic", true, true));
        }
        var config = TestConfigs.shard(1000, 4, sources);
        // grab threads another test's engine still winds down are not this engine's (Linux cuts every name to
        // "camflux-grab-ca", so they are told apart by thread id)
        // the engine's decoder backend loads OpenCV on the building thread; with the synthetic opener the first grab
        // thread would, and the native threads OpenCV's libraries start then take that thread's name (not its later
        // nice: a grab thread is lowered only once its camera streams)
        org.bytedeco.javacpp.Loader.load(org.bytedeco.opencv.global.opencv_core.class);
        java.util.Set<String> earlier = niceOfThreadsNamed("camflux-grab-").keySet();
        try (CamFlux engine = CamFlux.builder(config).streamOpener(SyntheticStreams.opener(1_000_000, 25, 0))
                .detector(FakeDetectors.fixedCost(0)).build()) {
            var run = engine.detections().subscribe();
            // each thread lowers itself once its camera streams: one listed may still be at it
            List<Integer> expected = java.util.Collections.nCopies(cameras, ThreadNice.forCameras(cameras, cores));
            List<Integer> grabNice = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!grabNice.equals(expected) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                grabNice = new ArrayList<>();
                for (var t : niceOfThreadsNamed("camflux-grab-").entrySet()) {
                    if (!earlier.contains(t.getKey())) {
                        grabNice.add(t.getValue());
                    }
                }
            }
            run.dispose();
            assertEquals(expected, grabNice);
            assertTrue(ThreadNice.forCameras(cameras, cores) > 0);
        }
    }

    private static int currentThreadNice() throws java.io.IOException {
        return niceOf(Files.readString(Path.of("/proc/thread-self/stat")));
    }

    /**
     * The nice value in a {@code /proc/.../stat} line: the 19th field, counted after the command name (in
     * parentheses, and it may hold spaces).
     */
    private static int niceOf(String stat) {
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    }

    /**
     * The nice values of this process's threads whose names start so (Linux cuts names to 15 characters), by thread
     * id.
     */
    private static java.util.Map<String, Integer> niceOfThreadsNamed(String prefix) throws Exception {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (prefix.startsWith(name) || name.startsWith(prefix)) {
                        out.put(task.getFileName().toString(), niceOf(stat));
                    }
                } catch (java.io.IOException gone) {
                    // the thread ended while listed
                }
            }
        }
        return out;
    }
}
