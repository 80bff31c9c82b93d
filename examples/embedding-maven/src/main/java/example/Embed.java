package example;

import io.camflux.engine.CamFlux;
import io.camflux.engine.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;

/** Runs a shard's engine for N seconds and prints each camera's people count per event. */
public final class Embed {
    public static void main(String[] args) throws Exception {
        try (CamFlux engine = CamFlux.builder(ConfigLoader.load(Path.of(args[0]))).build()) {
            engine.detections()
                    .take(Duration.ofSeconds(Long.parseLong(args[1])))
                    .doOnNext(e -> System.out.println(e.cameraUuid() + " frame " + e.frameId() + ": "
                            + e.detections().stream().filter(d -> d.className().equals("person")).count() + " people"))
                    .blockLast();
            engine.cameras().forEach(c -> System.out.println(c.cameraUuid() + " " + c.state() + " in flight "
                    + c.ledger().inFlight()));
        }
    }
}
