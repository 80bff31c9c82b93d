package io.camflux.engine.publish;

import io.camflux.engine.DetectionEvent;
import io.camflux.engine.ObjectEvent;
import io.camflux.engine.StatusEvent;
import io.camflux.engine.config.AmqpConfig;
import io.camflux.engine.event.EventJson;
import io.camflux.engine.event.LeaseTag;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** Where each event goes on the broker (docs/architecture.md) and its message id. */
public final class Routing {
    /** Status message ids: unique per process without SecureRandom (which may block on a Reactor thread). */
    private static final long STARTED = System.currentTimeMillis();
    private final AtomicLong statusSequence = new AtomicLong();
    private final AmqpConfig amqp;
    private final String runnerId;
    private final String shardId;

    /** @param amqp the broker's exchanges; null (events to standard output): none */
    public Routing(AmqpConfig amqp, String runnerId, String shardId) {
        this.amqp = amqp;
        this.runnerId = runnerId;
        this.shardId = shardId;
    }

    /** {@code detections.{tenant}.{site}.{camera}}; the id names runner, camera and frame, so retries share it. */
    public OutboundEvent detection(DetectionEvent e, Runnable onConfirmed) {
        return detection(e, null, onConfirmed, () -> true);
    }

    /**
     * Under a lease (null: none): tagged with it, the epoch in the message id (frame ids start again with each
     * lease), sent only while {@code permitted} says so.
     */
    public OutboundEvent detection(DetectionEvent e, LeaseTag lease, Runnable onConfirmed,
                                   BooleanSupplier permitted) {
        String id = lease == null ? runnerId + "/" + e.cameraUuid() + "/" + e.frameId()
                : runnerId + "/" + e.cameraUuid() + "/" + lease.epoch() + "/" + e.frameId();
        return new OutboundEvent(exDetect(), "detections." + e.tenantId() + "." + e.siteId() + "." + e.cameraUuid(),
                id, EventJson.detection(e, lease).getBytes(StandardCharsets.UTF_8), onConfirmed, permitted);
    }

    /** {@code objects.{tenant}.{site}.{camera}} on the detection exchange; under a lease (null: none) tagged. */
    public OutboundEvent object(ObjectEvent e, LeaseTag lease, BooleanSupplier permitted) {
        String id = runnerId + "/" + e.cameraUuid() + "/objects/" + STARTED + "-" + statusSequence.incrementAndGet();
        return new OutboundEvent(exDetect(), e.routingKey(), id,
                EventJson.object(e, lease).getBytes(StandardCharsets.UTF_8), () -> { }, permitted);
    }

    /** {@code stream.status.…} or {@code stream.error.…}. */
    public OutboundEvent status(StatusEvent e) {
        return status(e, null);
    }

    /** Under a lease (null: none): tagged with it. */
    public OutboundEvent status(StatusEvent e, LeaseTag lease) {
        String kind = e instanceof StatusEvent.Change c && c.status().isError() ? "stream.error" : "stream.status";
        String tenant, site;
        if (e instanceof StatusEvent.Change c) {
            tenant = c.status().tenantId();
            site = c.status().siteId();
        } else {
            StatusEvent.Summary s = (StatusEvent.Summary) e;
            tenant = s.tenantId();
            site = s.siteId();
        }
        return new OutboundEvent(amqp == null ? null : amqp.exStatus(), kind + "." + tenant + "." + site + "." + e.cameraUuid(),
                runnerId + "/" + e.cameraUuid() + "/status/" + STARTED + "-" + statusSequence.incrementAndGet(),
                EventJson.status(e, runnerId, shardId, lease).getBytes(StandardCharsets.UTF_8), () -> { });
    }

    private String exDetect() {
        return amqp == null ? null : amqp.exDetect();
    }
}
