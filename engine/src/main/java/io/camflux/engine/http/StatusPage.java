package io.camflux.engine.http;

import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/** What the status page at {@code GET /} shows: the cameras now, and a drawn snapshot of one on request. */
public interface StatusPage {
    /** Each camera as one JSON object (camera_uuid, state, rates, last frame age, drops, motion, detections). */
    List<Map<String, Object>> cameras();

    /** Whether the worker has this camera now. */
    boolean has(String cameraUuid);

    /** A JPEG of the camera's next inferred frame with boxes and motion mask; empty if none comes in time. */
    Mono<byte[]> snapshot(String cameraUuid);
}
