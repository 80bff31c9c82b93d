package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraChange;
import io.camflux.engine.CameraView;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.model.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** Reloading the config file on a running engine, with real decoded clips: by call, by file change, by SIGHUP. */
class ConfigReloaderTest {
    @TempDir
    Path dir;

    private Path write(String sources, String extra) throws Exception {
        Path file = dir.resolve("shard.json");
        String media = TestAssets.media("cam1.mp4").getParent().toString().replace("\\", "/");
        Files.writeString(file, "{\"runner_id\": \"r\"" + extra + ", \"sources\": [" + sources.replace("MEDIA", media)
                + "]}");
        return file;
    }

    private static String cam(String id, String clip, String more) {
        return "{\"camera_uuid\": \"" + id + "\", \"url\": \"MEDIA/" + clip + "\", \"loop\": true" + more + "}";
    }

    @Test
    void aValidFileIsAppliedAsADiffAndABrokenOneChangesNothing() throws Exception {
        Path file = write(cam("a", "cam1.mp4", "") + "," + cam("b", "cam2.mp4", ""), "");
        try (CamFlux engine = CamFlux.builder(ConfigLoader.load(file)).detector(FakeDetectors.fixedCost(0)).build()) {
            Disposable running = engine.detections().subscribe();
            ConfigReloader reloader = new ConfigReloader(file, engine);
            CameraView a = camera(engine, "a");

            write(cam("a", "cam1.mp4", "") + "," + cam("b", "cam2.mp4", ", \"timeout_ms\": -5"), "");
            assertNull(reloader.reload(), "a broken file is refused");
            assertEquals(List.of("a", "b"), ids(engine));

            write(cam("a", "cam1.mp4", "") + "," + cam("b", "cam2.mp4", ", \"motion_mask\": [[[0, 0], [100, 0], [100, 100]]]"),
                    ", \"max_fps\": 3");
            assertEquals(List.of(new CameraChange("a", CameraChange.Kind.UNCHANGED),
                    new CameraChange("b", CameraChange.Kind.REPLACED)), reloader.reload(), "only the masked camera restarts");
            assertSame(a, camera(engine, "a"), "the untouched camera is the same camera");
            assertEquals(3, engine.maxFps(), "max_fps applies without a restart");
            assertEquals(1, camera(engine, "b").config().motionMask().size());

            assertFalse(engine.motionConfig().enabled());
            write(cam("a", "cam1.mp4", "") + "," + cam("b", "cam2.mp4", ", \"motion_mask\": [[[0, 0], [100, 0], [100, 100]]]"),
                    ", \"max_fps\": 3, \"motion_config\": {\"enabled\": true, \"pixel_threshold\": 400}");
            assertEquals(List.of(new CameraChange("a", CameraChange.Kind.UNCHANGED),
                    new CameraChange("b", CameraChange.Kind.UNCHANGED)), reloader.reload(), "no camera restarts");
            assertTrue(engine.motionConfig().enabled(), "motion_config applies without a restart");
            assertEquals(400, engine.motionConfig().pixelThreshold());
            assertSame(a, camera(engine, "a"));

            write(cam("a", "cam1.mp4", "") + "," + cam("c", "cam3.mp4", ""), "");
            assertEquals(List.of(new CameraChange("b", CameraChange.Kind.REMOVED),
                    new CameraChange("a", CameraChange.Kind.UNCHANGED),
                    new CameraChange("c", CameraChange.Kind.ADDED)), reloader.reload());
            assertEquals(List.of("a", "c"), ids(engine));
            running.dispose();
        }
    }

    @Test
    void aCameraSwitchingModelsRestartsAloneAndAModelTheEngineLacksRefusesTheReload() throws Exception {
        String models = ", \"models\": {\"small\": {\"input_size\": 320}}";
        Path file = write(cam("a", "cam1.mp4", "") + "," + cam("b", "cam2.mp4", ""), models);
        try (CamFlux engine = CamFlux.builder(ConfigLoader.load(file)).detector(FakeDetectors.fixedCost(0))
                .detector("small", FakeDetectors.fixedCost(0)).build()) {
            Disposable running = engine.detections().subscribe();
            ConfigReloader reloader = new ConfigReloader(file, engine);
            CameraView a = camera(engine, "a");

            write(cam("a", "cam1.mp4", "") + "," + cam("b", "cam2.mp4", ", \"model\": \"small\""), models);
            assertEquals(List.of(new CameraChange("a", CameraChange.Kind.UNCHANGED),
                    new CameraChange("b", CameraChange.Kind.REPLACED)), reloader.reload(), "only b changes model");
            assertSame(a, camera(engine, "a"));
            assertEquals("small", camera(engine, "b").config().model());

            String more = ", \"models\": {\"small\": {\"input_size\": 320}, \"big\": {\"input_size\": 640}}";
            write(cam("a", "cam1.mp4", ", \"model\": \"big\"") + "," + cam("b", "cam2.mp4", ", \"model\": \"small\""),
                    more);
            assertEquals(List.of("models"), reloader.restartNeeded(ConfigLoader.load(file)));
            assertNull(reloader.reload(), "the file is valid, but the running engine has no model 'big' until a restart");
            assertSame(a, camera(engine, "a"), "a refused reload changes nothing");
            assertEquals("default", camera(engine, "a").config().model());
            running.dispose();
        }
    }

    @Test
    void aChangedFileAndSighupReloadIt() throws Exception {
        Path file = write(cam("a", "cam1.mp4", ""), "");
        try (CamFlux engine = CamFlux.builder(ConfigLoader.load(file)).detector(FakeDetectors.fixedCost(0)).build();
             ConfigReloader reloader = new ConfigReloader(file, engine).start()) {
            Disposable running = engine.detections().subscribe();
            write(cam("a", "cam1.mp4", "") + "," + cam("b", "cam2.mp4", ""), "");
            await(() -> ids(engine).equals(List.of("a", "b")), "the file change is applied");

            // the watch may see this write too; SIGHUP must apply it either way
            Files.writeString(file.resolveSibling("elsewhere.json"), "{}");
            String removeB = Files.readString(file).replace("," + cam("b", "cam2.mp4", "").replace("MEDIA",
                    TestAssets.media("cam1.mp4").getParent().toString()), "");
            Files.writeString(dir.resolve("next.json"), removeB);
            Files.move(dir.resolve("next.json"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start().waitFor();
            await(() -> ids(engine).equals(List.of("a")), "SIGHUP (or the watch) applies the file");
            running.dispose();
        }
    }

    @Test
    void turningTrackingOnOrChangingEventsIsNamedForARestart() throws Exception {
        Path file = write(cam("a", "cam1.mp4", ""), "");
        try (CamFlux engine = CamFlux.builder(ConfigLoader.load(file)).detector(FakeDetectors.fixedCost(0)).build()) {
            ConfigReloader reloader = new ConfigReloader(file, engine);
            write(cam("a", "cam1.mp4", ", \"zones\": [{\"name\": \"door\", \"polygon\": [[0,0],[50,0],[50,50]]}]"),
                    ", \"tracking\": {\"enabled\": true}, \"events\": \"both\"");
            assertEquals(List.of("tracking", "events"), reloader.restartNeeded(ConfigLoader.load(file)));
            write(cam("a", "cam1.mp4", ""), ", \"max_fps\": 2");
            assertEquals(List.of(), reloader.restartNeeded(ConfigLoader.load(file)), "max_fps applies live");
            write(cam("a", "cam1.mp4", ""), ", \"decode\": {\"nvdec\": {\"frames_per_second\": 1500}}");
            assertEquals(List.of("decode"), reloader.restartNeeded(ConfigLoader.load(file)),
                    "NVDEC's budget is the engine's");
        }
    }

    @Test
    void aConfigMapUpdateSwappingItsDataLinkIsReloaded() throws Exception {
        // the layout a Kubernetes ConfigMap volume has: worker.json -> ..data/worker.json, ..data -> ..TIMESTAMP
        String media = TestAssets.media("cam1.mp4").getParent().toString();
        Path first = Files.createDirectory(dir.resolve("..2026_12_03_01"));
        Files.writeString(first.resolve("worker.json"), "{\"sources\": [" + cam("a", "cam1.mp4", "").replace("MEDIA",
                media) + "]}");
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("worker.json"), Path.of("..data/worker.json"));
        try (CamFlux engine = CamFlux.builder(ConfigLoader.load(file)).detector(FakeDetectors.fixedCost(0)).build();
             ConfigReloader reloader = new ConfigReloader(file, engine).start()) {
            Disposable running = engine.detections().subscribe();
            Path second = Files.createDirectory(dir.resolve("..2026_12_03_02"));
            Files.writeString(second.resolve("worker.json"), "{\"sources\": [" + (cam("a", "cam1.mp4", "") + ","
                    + cam("b", "cam2.mp4", "")).replace("MEDIA", media) + "]}");
            Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
            Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            await(() -> ids(engine).equals(List.of("a", "b")), "the swapped ConfigMap is applied");
            running.dispose();
        }
    }

    private static CameraView camera(CamFlux engine, String id) {
        return engine.cameras().stream().filter(c -> c.config().cameraUuid().equals(id)).findFirst().orElseThrow();
    }

    private static List<String> ids(CamFlux engine) {
        return engine.cameras().stream().map(c -> c.config().cameraUuid()).toList();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 20 s");
            }
            Thread.sleep(50);
        }
        assertTrue(condition.getAsBoolean());
    }
}
