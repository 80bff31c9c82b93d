package io.camflux.engine.fleet;

import io.camflux.engine.event.LeaseTag;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The permission to publish: an event of a camera goes out only while the lease that holds the camera is
 * unfenced, checked on the monotonic clock at the moment of publishing (so a process that was stopped and
 * continues cannot publish on a lease it no longer holds, whatever its timers think), and it goes out tagged with
 * that lease. A worker holds one lease per shard (one with the HTTP control plane, several with etcd). Thread-safe;
 * {@link #admit} takes no lock (the grants are an immutable map replaced as a whole).
 */
public final class LeaseFence {

    /** A held lease: its tag, its cameras, and the monotonic instant (ns) from which it no longer permits. */
    /**
     * The safety margin before a lease's deadline (clock drift, the time the removal takes): max(2 s, ttl/5), but
     * at most ttl/3, so that the renewal due at ttl/3 comes before the fence.
     */
    static java.time.Duration margin(java.time.Duration ttl) {
        return java.time.Duration.ofMillis(Math.min(Math.max(2000, ttl.toMillis() / 5), ttl.toMillis() / 3));
    }

    /** When a lease last extended at {@code extendedAtNanos} (its request's send) is fenced: the ttl less the margin. */
    static long fenceAt(long extendedAtNanos, java.time.Duration ttl) {
        return extendedAtNanos + ttl.toNanos() - margin(ttl).toNanos();
    }

    record Grant(LeaseTag tag, Set<String> cameras, long fenceAtNanos) {
        Grant {
            cameras = Set.copyOf(cameras);
        }
    }

    private final LongSupplier nanos;
    /** By shard id. */
    private volatile Map<String, Grant> current = Map.of();
    /** The last lease held of each shard, for tagging the status events that say its cameras went away. */
    private volatile Map<String, Grant> previous = Map.of();

    public LeaseFence(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** The tag to publish a detection of this camera with, or null: not to be published. */
    public LeaseTag admit(String cameraUuid) {
        long now = nanos.getAsLong();
        for (Grant g : current.values()) {
            if (g.cameras.contains(cameraUuid)) {
                return now - g.fenceAtNanos >= 0 ? null : g.tag;
            }
        }
        return null;
    }

    /** The tag of the lease this camera is or was last held under (status events are not fenced), or null. */
    public LeaseTag tagOf(String cameraUuid) {
        for (Map<String, Grant> grants : java.util.List.of(current, previous)) {
            for (Grant g : grants.values()) {
                if (g.cameras.contains(cameraUuid)) {
                    return g.tag;
                }
            }
        }
        return null;
    }

    /** Whether a lease is held and not fenced now. */
    public boolean held() {
        long now = nanos.getAsLong();
        return current.values().stream().anyMatch(g -> now - g.fenceAtNanos < 0);
    }

    /** How many unfenced leases are held now. */
    public int heldCount() {
        long now = nanos.getAsLong();
        return (int) current.values().stream().filter(g -> now - g.fenceAtNanos < 0).count();
    }

    /** The highest epoch of the leases held, 0 without one. */
    public long highestEpoch() {
        return current.values().stream().mapToLong(g -> g.tag.epoch()).max().orElse(0);
    }

    /** Grants (or extends, or changes the cameras of) the lease of {@code grant}'s shard. */
    synchronized void grant(Grant grant) {
        String shard = grant.tag().shardId();
        Grant before = current.get(shard);
        if (before != null && !before.tag.equals(grant.tag)) {
            previous = with(previous, shard, before);
        }
        current = with(current, shard, grant);
    }

    /** Every lease held ends its permission at {@code fenceAtNanos} (one etcd lease carries them all). */
    synchronized void extendAll(long fenceAtNanos) {
        Map<String, Grant> next = new HashMap<>();
        current.forEach((shard, g) -> next.put(shard, new Grant(g.tag, g.cameras, fenceAtNanos)));
        current = Map.copyOf(next);
    }

    /** The shard's lease is no longer held: nothing of it is admitted from now on. */
    synchronized void revoke(String shardId) {
        Grant g = current.get(shardId);
        if (g != null) {
            previous = with(previous, shardId, g);
            Map<String, Grant> next = new HashMap<>(current);
            next.remove(shardId);
            current = Map.copyOf(next);
        }
    }

    /** No lease: nothing is admitted from now on. */
    synchronized void revoke() {
        Map<String, Grant> next = new HashMap<>(previous);
        next.putAll(current);
        previous = Map.copyOf(next);
        current = Map.of();
    }

    Grant current(String shardId) {
        return current.get(shardId);
    }

    /** The earliest fence of the leases held, or null without one. */
    Long earliestFence() {
        return current.values().stream().map(Grant::fenceAtNanos).min(Long::compare).orElse(null);
    }

    private static Map<String, Grant> with(Map<String, Grant> map, String shard, Grant grant) {
        Map<String, Grant> next = new HashMap<>(map);
        next.put(shard, grant);
        return Map.copyOf(next);
    }
}
