package io.camflux.engine.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EmbeddingExampleTest {

    @Test
    void composesTheEngineFluxIntoOccupancyPerCamera() throws Exception {
        var config = TestConfigs.shard(6, 4, List.of(
                TestConfigs.file("north", TestAssets.media("cam2.mp4").toString(), true, true),
                TestConfigs.file("south", TestAssets.media("cam3.mp4").toString(), true, true)));
        try (CamFlux engine = CamFlux.builder(config).build()) {
            List<EmbeddingExample.Occupancy> windows = EmbeddingExample.peoplePerCamera(engine, Duration.ofSeconds(1))
                    .take(6)
                    .collectList()
                    .block(Duration.ofSeconds(60));
            assertEquals(6, windows.size());
            Set<String> cameras = windows.stream().map(EmbeddingExample.Occupancy::cameraUuid).collect(Collectors.toSet());
            assertEquals(Set.of("north", "south"), cameras);
            assertTrue(windows.stream().allMatch(o -> o.maxPeople() >= 2 && o.maxPeople() < 40), windows.toString());
            // the engine's own series are there without the CLI: an embedding application scrapes what the CLI does
            assertTrue(engine.meterRegistry().get("pipeline.fps").tag("runner_id", config.runnerId()).gauge().value() > 0,
                    "pipeline_fps measured");
        }
    }
}
