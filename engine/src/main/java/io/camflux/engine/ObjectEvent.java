package io.camflux.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * What a tracked object did, on {@code ex_detect} under {@code objects.{tenant}.{site}.{camera}}: {@code object.new}
 * (a track confirmed), {@code object.end} (with its dwell, best box and score, and the zones it visited),
 * {@code zone.enter}, {@code zone.exit} and {@code line.cross} (with its direction). {@code model} names the model that
 * detects in the camera's frames, as on detection events.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ObjectEvent(String type, Instant ts, String runnerId, String shardId, String tenantId, String siteId,
                          String cameraUuid, String model, long trackId, String className, DetectionEvent.Box box, Float confidence,
                          String zone, String line, String direction, Double dwellSeconds, List<String> zonesVisited) {
    public static final String NEW = "object.new";
    public static final String END = "object.end";
    public static final String ZONE_ENTER = "zone.enter";
    public static final String ZONE_EXIT = "zone.exit";
    public static final String LINE_CROSS = "line.cross";

    /** The word of its routing key after {@code objects.}: tenant, site, camera. */
    public String routingKey() {
        return "objects." + tenantId + "." + siteId + "." + cameraUuid;
    }
}
