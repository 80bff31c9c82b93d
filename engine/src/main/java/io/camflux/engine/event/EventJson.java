package io.camflux.engine.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.ObjectEvent;
import io.camflux.engine.StatusEvent;
import java.io.UncheckedIOException;

/** The wire format of events (docs/architecture.md): snake_case JSON, timestamps in ISO-8601 UTC. */
public final class EventJson {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private EventJson() {
    }

    public static String detection(DetectionEvent event) {
        return detection(event, null);
    }

    /** An object event; under a lease (null: none) tagged with it. */
    public static String object(ObjectEvent event, LeaseTag lease) {
        ObjectNode node = JSON.valueToTree(event);
        return write(lease == null ? node : stamp(node, lease));
    }

    /** Any part of an event (e.g. its detections) as the wire format writes it. */
    public static com.fasterxml.jackson.databind.JsonNode tree(Object part) {
        return JSON.valueToTree(part);
    }

    /** Published under a lease: {@code shard_id} is the lease's and {@code lease_epoch} is added. */
    public static String detection(DetectionEvent event, LeaseTag lease) {
        try {
            if (lease == null) {
                return JSON.writeValueAsString(event);
            }
            ObjectNode node = JSON.valueToTree(event);
            return write(stamp(node, lease));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode stamp(ObjectNode node, LeaseTag lease) {
        if (lease != null) {
            node.put("shard_id", lease.shardId());
            node.put("lease_epoch", lease.epoch());
        }
        return node;
    }

    /** {@code stream.status}, or {@code stream.error} when the change came from a failure. */
    public static String status(CameraStatus status, String runnerId, String shardId) {
        return write(statusNode(status, runnerId, shardId));
    }

    private static ObjectNode statusNode(CameraStatus status, String runnerId, String shardId) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", status.isError() ? "stream.error" : "stream.status");
        node.put("state", status.state().name());
        node.put("camera_uuid", status.cameraUuid());
        node.put("tenant_id", status.tenantId());
        node.put("site_id", status.siteId());
        node.put("runner_id", runnerId);
        node.put("shard_id", shardId);
        node.put("ts", status.ts().toString());
        if (status.state() == CameraState.STREAMING) {
            node.put("fps", status.fps());
        }
        if (status.reason() != null) {
            node.put("reason", status.reason());
        }
        if (status.isError()) {
            node.put("code", status.errorCode());
            node.put("detail", status.detail());
            node.put("retry_in_ms", status.retryInMs());
        }
        return node;
    }

    /** A status event in its wire format. */
    public static String status(StatusEvent event, String runnerId, String shardId) {
        return status(event, runnerId, shardId, null);
    }

    /** Under a lease: {@code shard_id} is the lease's and {@code lease_epoch} is added. */
    public static String status(StatusEvent event, String runnerId, String shardId, LeaseTag lease) {
        if (event instanceof StatusEvent.Change change) {
            return write(stamp(statusNode(change.status(), runnerId, shardId), lease));
        }
        return write(stamp(summaryNode((StatusEvent.Summary) event, runnerId, shardId), lease));
    }

    /** The periodic {@code stream.status} summary. */
    public static String summary(StatusEvent.Summary s, String runnerId, String shardId) {
        return write(summaryNode(s, runnerId, shardId));
    }

    private static ObjectNode summaryNode(StatusEvent.Summary s, String runnerId, String shardId) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "stream.status");
        node.put("summary", true);
        node.put("state", s.state().name());
        node.put("camera_uuid", s.cameraUuid());
        node.put("tenant_id", s.tenantId());
        node.put("site_id", s.siteId());
        node.put("runner_id", runnerId);
        node.put("shard_id", shardId);
        node.put("ts", s.ts().toString());
        node.put("fps", s.fps());
        if (s.lastFrameTs() != null) {
            node.put("last_frame_ts", s.lastFrameTs().toString());
            node.put("last_frame_age_s", s.lastFrameAgeS());
        } else {
            node.putNull("last_frame_ts");
            node.putNull("last_frame_age_s");
        }
        if (s.motion() != null) {
            ObjectNode m = node.putObject("motion");
            m.put("seen", s.motion().seen());
            m.put("passed", s.motion().passed());
            m.put("skipped", s.motion().skipped());
            m.put("skip_rate", s.motion().skipRate());
        }
        return node;
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
