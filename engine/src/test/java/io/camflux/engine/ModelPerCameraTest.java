package io.camflux.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.Detection;
import io.camflux.model.TestAssets;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Two real models in one worker, on the CPU: YOLOX-Nano keeping people, and YOLOX-Nano run at 320x320 keeping
 * vehicles; each camera's frames go to its own model's batches only.
 */
class ModelPerCameraTest {
    private static final Set<String> VEHICLES = Set.of("car", "truck");

    private static String shardJson() throws Exception {
        StringBuilder sources = new StringBuilder();
        String[] models = {"people", "people", "vehicles", "vehicles"};
        for (int i = 0; i < 4; i++) {
            sources.append(i == 0 ? "" : ",").append(String.format(
                    "{\"camera_uuid\": \"cam-%d\", \"url\": \"%s\", \"loop\": false, \"realtime\": false, \"model\": \"%s\"}",
                    i + 1, TestAssets.media("cam" + (i + 1) + ".mp4"), models[i]));
        }
        return "{\"runner_id\": \"r\", \"max_fps\": 2, \"emit_empty\": true, \"sources\": [" + sources + "],"
                + " \"model\": {\"provider\": \"cpu\", \"instances\": 1},"
                + " \"batch\": {\"max_size\": 4, \"max_wait_ms\": 30},"
                + " \"models\": {"
                + "   \"people\": {\"path\": \"yolox_nano\", \"provider\": \"cpu\", \"classes\": [\"person\"]},"
                + "   \"vehicles\": {\"path\": \"yolox_nano\", \"provider\": \"cpu\", \"input_size\": 320,"
                + "                  \"classes\": [\"car\", \"truck\"], \"batch\": {\"max_size\": 2, \"max_wait_ms\": 30}}}}";
    }

    @Test
    void eachCameraIsDetectedByItsOwnModelInBatchesOfItsModelOnly() throws Exception {
        ShardConfig config = ConfigLoader.parse(shardJson(), "two-models.json", null);
        assertEquals(List.of("default", "people", "vehicles"), List.copyOf(config.modelNames()));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CamFlux engine = CamFlux.builder(config).meterRegistry(registry).build()) {
            List<DetectionEvent> events = engine.detections().collectList().block(Duration.ofMinutes(3));
            Map<String, List<DetectionEvent>> byModel = events.stream()
                    .collect(Collectors.groupingBy(DetectionEvent::model));
            assertEquals(Set.of("people", "vehicles"), byModel.keySet(), "the default model has no camera");
            for (DetectionEvent e : events) {
                String expected = e.cameraUuid().equals("cam-1") || e.cameraUuid().equals("cam-2") ? "people" : "vehicles";
                assertEquals(expected, e.model(), e.cameraUuid());
                for (DetectionEvent.Detected d : e.detections()) {
                    assertTrue(expected.equals("people") ? d.className().equals("person") : VEHICLES.contains(d.className()),
                            e.cameraUuid() + " (" + expected + ") found a " + d.className());
                }
            }
            for (String model : List.of("people", "vehicles")) {
                long found = byModel.get(model).stream().mapToLong(e -> e.detections().size()).sum();
                assertTrue(found > 20, model + ": " + found + " detections");
                // emit_empty: one event per inferred frame, so the model's batches held exactly its cameras' frames
                DistributionSummary batches = registry.find("batch.size").tag("model", model).summary();
                assertEquals(byModel.get(model).size(), (long) batches.totalAmount(), model);
                assertTrue(registry.find("inference.latency").tag("model", model).timer().count() > 0, model);
                assertTrue(registry.find("model.memory").tag("model", model).tag("memory", "host").gauge().value() >= 0);
            }
            assertTrue(registry.find("batch.size").tag("model", "vehicles").summary().max() <= 2,
                    "the vehicles model batches by its own batch.max_size");
            assertEquals(0, registry.find("batch.size").tag("model", "default").summary().count());
            for (CameraView c : engine.cameras()) {
                assertEquals(0, c.ledger().inFlight(), c.cameraUuid());
                assertEquals(40, c.ledger().releasedCount(DropReason.INFERRED), 1, c.cameraUuid() + ": 2 of 10 fps of 20 s");
            }
        }
    }

    @Test
    void anEmbeddedDetectorServesTheCamerasThatNameItAndACameraSwitchingModelsRestartsAlone() throws Exception {
        FrameDetector marker = images -> images.stream()
                .map(image -> List.of(new Detection(7, "marker", 0.99f, 1, 1, 5, 5))).toList();
        String clip = TestAssets.media("cam1.mp4").toString();
        SourceConfig a = TestConfigs.file("cam-a", clip, true, true);
        SourceConfig b = TestConfigs.file("cam-b", clip, true, true);
        ShardConfig config = TestConfigs.shard(4, 2, List.of(a, b));
        try (CamFlux engine = CamFlux.builder(config).detector(FakeDetectors.fixedCost(1))
                .detector("markers", marker).build()) {
            assertEquals(Set.of("default", "markers"), engine.models());
            List<DetectionEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<CameraStatus> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
            var statusSubscription = engine.statuses().subscribe(statuses::add);
            var subscription = engine.detections().subscribe(seen::add);
            try {
                Await.until(() -> statuses.stream().filter(st -> st.state() == CameraState.STREAMING)
                        .map(CameraStatus::cameraUuid).distinct().count() == 2, 30, "both cameras streaming");
                long aEventsBefore = seen.stream().filter(e -> e.cameraUuid().equals("cam-a")).count();
                int statusesBefore = statuses.size();
                assertEquals(CameraChange.Kind.REPLACED, engine.put(b.withModel("markers")).block(Duration.ofSeconds(30)).kind());
                Await.until(() -> seen.stream()
                        .anyMatch(e -> e.model().equals("markers")), 30, "cam-b's events from its new model");
                DetectionEvent marked = seen.stream().filter(e -> e.model().equals("markers")).findFirst().orElseThrow();
                assertEquals("cam-b", marked.cameraUuid());
                assertEquals("marker", marked.detections().get(0).className());
                assertTrue(seen.stream().filter(e -> e.cameraUuid().equals("cam-a")).allMatch(e -> e.model().equals("default")));
                Await.until(() -> seen.stream()
                        .filter(e -> e.cameraUuid().equals("cam-a")).count() > aEventsBefore + 5, 30, "cam-a goes on");
                List<CameraStatus> since = List.copyOf(statuses.subList(statusesBefore, statuses.size()));
                assertTrue(since.stream().noneMatch(st -> st.cameraUuid().equals("cam-a") && st.state() != CameraState.STREAMING),
                        "cam-a neither disconnected nor reconnected: " + since);
                assertTrue(since.stream().anyMatch(st -> st.cameraUuid().equals("cam-b")
                        && st.state() == CameraState.DISCONNECTED && "replaced".equals(st.reason())), "cam-b restarted: " + since);
                IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                        () -> engine.put(a.withModel("nope")).block(Duration.ofSeconds(10)));
                assertTrue(unknown.getMessage().contains("no model named 'nope'"), unknown.getMessage());
            } finally {
                subscription.dispose();
                statusSubscription.dispose();
            }
        }
    }

    @Test
    void aSourceNamingAModelTheEngineLacksIsRefusedAtBuild() {
        SourceConfig a = TestConfigs.file("cam-a", "/dev/null", false, false).withModel("vehicles");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CamFlux.builder(TestConfigs.shard(4, 2, List.of(a))).detector(FakeDetectors.fixedCost(1)).build());
        assertTrue(e.getMessage().startsWith("sources[0].model: no model named 'vehicles'"), e.getMessage());
    }
}
