package io.camflux.engine;

import java.time.Instant;
import java.util.List;

/**
 * A camera's last inferred frame: when, which, and what was found (boxes in source pixels), as
 * {@link CamFlux#lastInference} gives it.
 */
public record LastInference(Instant at, long frameId, List<DetectionEvent.Detected> detections) {
    public LastInference {
        detections = List.copyOf(detections);
    }
}
