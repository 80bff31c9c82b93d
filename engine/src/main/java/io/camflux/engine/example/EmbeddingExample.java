package io.camflux.engine.example;

import io.camflux.engine.CamFlux;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import reactor.core.publisher.Flux;

/**
 * How a Reactor application embeds CamFlux: take the engine's detection {@code Flux} and compose it. This one
 * reports, per camera and per time window, the largest number of people seen in one frame.
 * <pre>
 * java -cp engine/target/camflux.jar io.camflux.engine.example.EmbeddingExample configs/demo.json
 * </pre>
 */
public final class EmbeddingExample {

    /** The busiest moment of each camera in each window. */
    public record Occupancy(String cameraUuid, long maxPeople) {
    }

    private EmbeddingExample() {
    }

    public static Flux<Occupancy> peoplePerCamera(CamFlux engine, Duration window) {
        return engine.detections()
                .groupBy(DetectionEvent::cameraUuid)
                .flatMap(camera -> camera
                        .map(EmbeddingExample::people)
                        .window(window)
                        .flatMap(w -> w.reduce(Long::max))
                        .map(max -> new Occupancy(camera.key(), max)));
    }

    private static long people(DetectionEvent event) {
        return event.detections().stream().filter(d -> d.className().equals("person")).count();
    }

    public static void main(String[] args) throws Exception {
        try (CamFlux engine = CamFlux.builder(ConfigLoader.load(Path.of(args[0]))).build()) {
            peoplePerCamera(engine, Duration.ofSeconds(5))
                    .take(Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 30))
                    .doOnNext(o -> System.out.println(o.cameraUuid() + ": up to " + o.maxPeople() + " people"))
                    .blockLast();
        }
    }
}
