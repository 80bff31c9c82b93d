package io.camflux.engine.fleet;

import io.camflux.engine.event.LeaseTag;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The permission to publish: an event of a camera goes out only while the lease that holds the camera is
 * unfenced, checked on the monotonic clock at the moment of publishing (so a process that was stopped and
 * continues cannot publish on a lease it no longer holds, whatever its timers think), and it goes out tagged with
 * that lease. Thread-safe; {@link #admit} takes no lock.
 */
public final class LeaseFence {

    /** A held lease: its tag, its cameras, and the monotonic instant (ns) from which it no longer permits. */
    record Grant(LeaseTag tag, Set<String> cameras, long fenceAtNanos) {
        Grant {
            cameras = Set.copyOf(cameras);
        }
    }

    private final LongSupplier nanos;
    private volatile Grant current;
    /** The last lease held, for tagging the status events that say its cameras went away. */
    private volatile Grant previous;

    public LeaseFence(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** The tag to publish a detection of this camera with, or null: not to be published. */
    public LeaseTag admit(String cameraUuid) {
        Grant g = current;
        if (g == null || nanos.getAsLong() - g.fenceAtNanos >= 0 || !g.cameras.contains(cameraUuid)) {
            return null;
        }
        return g.tag;
    }

    /** The tag of the lease this camera is or was last held under (status events are not fenced), or null. */
    public LeaseTag tagOf(String cameraUuid) {
        Grant g = current;
        if (g != null && g.cameras.contains(cameraUuid)) {
            return g.tag;
        }
        Grant p = previous;
        return p != null && p.cameras.contains(cameraUuid) ? p.tag : null;
    }

    /** Whether a lease is held and not fenced now. */
    public boolean held() {
        Grant g = current;
        return g != null && nanos.getAsLong() - g.fenceAtNanos < 0;
    }

    void grant(Grant grant) {
        Grant before = current;
        if (before != null && !before.tag.equals(grant.tag)) {
            previous = before;
        }
        current = grant;
    }

    /** No lease: nothing is admitted from now on. */
    void revoke() {
        Grant g = current;
        if (g != null) {
            previous = g;
        }
        current = null;
    }

    Grant current() {
        return current;
    }
}
