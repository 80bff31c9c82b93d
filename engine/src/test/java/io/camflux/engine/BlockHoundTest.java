package io.camflux.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * BlockHound is installed for every engine test (blockhound-junit-platform): a blocking call (sleep, file or socket I/O, lock waits) on a Reactor
 * non-blocking thread (parallel, single) fails the run. Grabbing and inference have their own threads.
 */
class BlockHoundTest {

    @Test
    void blockHoundIsActive() {
        StepVerifier.create(Mono.delay(Duration.ofMillis(1)).map(t -> sleep()))
                .expectError(BlockingOperationError.class)
                .verify(Duration.ofSeconds(5));
    }

    private static long sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 1;
    }

    @Test
    void theWholePipelineNeverBlocksANonBlockingThread() throws Exception {
        var config = TestConfigs.shard(6, 4, List.of(
                TestConfigs.file("cam-1", TestAssets.media("cam1.mp4").toString(), true, true),
                TestConfigs.file("cam-2", TestAssets.media("cam2.mp4").toString(), true, true)));
        try (CamFlux engine = CamFlux.builder(config).build()) {
            Long events = engine.detections()
                    .take(Duration.ofSeconds(4))
                    .count()
                    .block(Duration.ofSeconds(60));
            assertTrue(events != null && events > 20, "events: " + events);
            assertTrue(engine.statuses().take(Duration.ofMillis(200)).count().block() >= 2);
        }
    }
}
