package io.camflux.engine;

import java.time.Instant;
import java.util.List;

/**
 * The detections of one frame (wire format in docs/architecture.md). {@code fps} is the camera's measured rate of
 * frames reaching the detector; {@code latency.e2eS} runs from the frame's decoding to the event's creation.
 * {@code model} names the worker's model that found them (the camera's {@code model}, {@code default} unless named).
 */
public record DetectionEvent(Instant ts, String runnerId, String shardId, String tenantId, String siteId,
                             String cameraUuid, long frameId, double fps, String model, List<Detected> detections,
                             Latency latency) {

    public DetectionEvent {
        detections = List.copyOf(detections);
    }

    /** One object; the box is in source-image pixels. */
    /** @param trackId the object's track, with tracking on and the track confirmed; else null (not written) */
    public record Detected(String className, int classId, float confidence, Box box,
                           @com.fasterxml.jackson.annotation.JsonInclude(
                                   com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Long trackId) {
        public Detected(String className, int classId, float confidence, Box box) {
            this(className, classId, confidence, box, null);
        }

        public Detected withTrack(long id) {
            return id == 0 ? this : new Detected(className, classId, confidence, box, id);
        }
    }

    public record Box(float x1, float y1, float x2, float y2) {
    }

    public record Latency(double inferenceS, double e2eS) {
    }
}
