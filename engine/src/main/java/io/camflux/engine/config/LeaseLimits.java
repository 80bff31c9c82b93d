package io.camflux.engine.config;

/** The lease ttl a worker accepts: its own coordination.etcd.ttl_seconds, and a control plane's ttl_seconds. */
public final class LeaseLimits {
    /** Below this, a renewal every ttl/3 and the fence's 2 s margin do not fit. */
    public static final int MIN_TTL_SECONDS = 3;
    /** Above this, a dead worker's shards wait too long to move (and a bogus value is more likely than a choice). */
    public static final int MAX_TTL_SECONDS = 3600;

    private LeaseLimits() {
    }
}
