package io.camflux.engine.fleet;

import io.camflux.engine.config.LeasedShard;
import io.camflux.engine.event.LeaseTag;
import java.time.Duration;

/**
 * A lease the control plane granted: the permission to process {@code shard} until {@code ttl} after the request
 * that got (or last renewed) it was sent.
 */
public record Lease(String leaseId, String shardId, long epoch, Duration ttl, String shardVersion, LeasedShard shard) {
    /** No lease (a value where null cannot go). */
    static final Lease NONE = new Lease("", "", 0, Duration.ZERO, "", new LeasedShard(java.util.List.of(), null, null, null));

    public LeaseTag tag() {
        return new LeaseTag(shardId, epoch);
    }
}
