package io.camflux.engine.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.camflux.engine.CamFlux;
import io.camflux.engine.config.ControlPlaneConfig;
import io.camflux.engine.config.LeasedShard;
import io.camflux.engine.config.ReconnectConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.source.Backoff;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Holds this worker's shard lease (docs/control-plane.md): acquires one, applies its shard to the engine as a
 * camera-set diff, renews it every ttl/3 with a status report, applies the shard changes renewals bring, and
 * gives it back on drain. The lease is the only permission to process: when no renewal has succeeded by the
 * deadline minus a margin (measured on the monotonic clock from when the last successful request was
 * <em>sent</em>), the {@link LeaseFence} admits nothing more and the shard's cameras are removed
 * ({@code DISCONNECTED}, reason {@code lease_lost}) before the control plane can give the shard to another worker;
 * then it acquires again. Every step runs on {@code scheduler}, one at a time; stale timers see a changed lease
 * and do nothing.
 */
public final class LeaseKeeper implements Coordinator {
    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
    public static final String LOST_REASON = "lease_lost";

    /** {@code cp_lease_state}: 0 acquiring (no lease), 1 held, 2 released (draining or stopped). */
    public enum State { ACQUIRING, HOLDING, RELEASED }

    private final ControlPlaneClient client;
    private final CamFlux engine;
    private final LeaseFence fence;
    private final Scheduler scheduler;
    private final LongSupplier nanos;
    private final Backoff backoff;
    private final StatusReport reports;
    private final ObjectNode acquireRequest;

    private volatile State state = State.ACQUIRING;
    private volatile Lease lease;
    private volatile boolean draining;
    /** When the request that last extended the lease was sent (monotonic ns). */
    private long extendedAtNanos;
    private int acquireFailures;
    private int renewFailures;
    private boolean stopped;
    /** Changes whenever the lease does; a timer armed for another generation does nothing. */
    private long generation;
    /** The highest epoch held of each shard: a lease of a lower (or the same) epoch is refused. */
    private final java.util.Map<String, Long> lastEpochs = new java.util.HashMap<>();

    /**
     * @param scheduler one thread (or virtual time in tests) on which the keeper's steps run
     * @param nanos     the monotonic clock the deadlines are kept on
     * @param random    uniform in [0, 1), the acquire backoff's jitter
     */
    public LeaseKeeper(ControlPlaneClient client, CamFlux engine, ControlPlaneConfig config, String provider,
                       LeaseFence fence, Scheduler scheduler, LongSupplier nanos, DoubleSupplier random) {
        this.client = client;
        this.engine = engine;
        this.fence = fence;
        this.scheduler = scheduler;
        this.nanos = nanos;
        this.backoff = new Backoff(new ReconnectConfig(config.acquireInterval(), config.acquireMaxInterval(), 0.2, 0),
                random);
        String runnerId = engine.config().runnerId();
        this.reports = new StatusReport(engine, runnerId);
        this.acquireRequest = ControlPlaneClient.JSON.createObjectNode();
        acquireRequest.put("runner_id", runnerId);
        ObjectNode capacity = acquireRequest.putObject("capacity");
        capacity.put("max_cameras", config.maxCameras());
        capacity.put("provider", provider);
        acquireRequest.put("version", ControlPlaneClient.PROTOCOL_VERSION);
        MeterRegistry registry = engine.meterRegistry();
        Gauge.builder("cp.lease.state", this, k -> k.state.ordinal())
                .description("0 acquiring (no lease), 1 held, 2 released").register(registry);
        Gauge.builder("cp.lease.deadline", this, LeaseKeeper::secondsToFence).baseUnit("seconds")
                .description("time left before the lease fences itself without a renewal; -1 without a lease")
                .register(registry);
        Gauge.builder("cp.lease.epoch", this, k -> k.lease == null ? 0 : k.lease.epoch())
                .description("the epoch of the lease held, 0 without one").register(registry);
    }

    public LeaseKeeper start() {
        scheduler.schedule(this::acquire);
        return this;
    }

    public State state() {
        return state;
    }

    /** The lease held now, null without one. */
    public Lease lease() {
        return lease;
    }

    private double secondsToFence() {
        Long at = fence.earliestFence();
        return at == null ? -1 : Math.max(0, (at - nanos.getAsLong()) / 1e9);
    }

    private void acquire() {
        if (stopped || draining) {
            return;
        }
        long sent = nanos.getAsLong();
        long gen = generation;
        client.acquire(acquireRequest)
                .publishOn(scheduler)
                .subscribe(granted -> {
                    if (gen == generation) {
                        granted(granted, sent);
                    }
                }, error -> {
                    if (gen == generation) {
                        acquireFailed(error);
                    }
                }, () -> {
                    if (gen == generation && lease == null) {
                        nothingOffered();
                    }
                });
    }

    private void nothingOffered() {
        acquireFailures++;
        long delay = backoff.delayMillis(acquireFailures);
        log.debug("control plane: no shard for this worker now; asking again in {} ms", delay);
        later(this::acquire, delay);
    }

    private void acquireFailed(Throwable error) {
        acquireFailures++;
        long delay = backoff.delayMillis(acquireFailures);
        if (error instanceof ControlPlaneException e && e.refusedLease() != null) {
            refuse(e.refusedLease(), "invalid");
        }
        if (error instanceof ControlPlaneException e && e.kind() == ControlPlaneException.Kind.REFUSED) {
            log.error("control plane refused this worker: {}; retrying in {} ms", e.getMessage(), delay);
        } else {
            log.warn("control plane: cannot acquire a lease: {}; retrying in {} ms", error.getMessage(), delay);
        }
        later(this::acquire, delay);
    }

    private void granted(Lease granted, long sentNanos) {
        if (stopped || draining) {
            client.release(granted.leaseId()).subscribe(null, e -> log.warn("control plane: release of {}: {}",
                    granted.leaseId(), e.getMessage()));
            return;
        }
        Long seen = lastEpochs.get(granted.shardId());
        if (seen != null && granted.epoch() <= seen) {
            acquireFailures++;
            long delay = backoff.delayMillis(acquireFailures);
            log.error("control plane: lease {} of shard {} has epoch {}, not above the {} this worker already held it"
                    + " under: refused (a control plane must raise the epoch with every lease); asking again in {} ms",
                    granted.leaseId(), granted.shardId(), granted.epoch(), seen, delay);
            refuse(granted.leaseId(), "stale_epoch");
            later(this::acquire, delay);
            return;
        }
        lastEpochs.put(granted.shardId(), granted.epoch());
        acquireFailures = 0;
        renewFailures = 0;
        generation++;
        lease = granted;
        state = State.HOLDING;
        extendedAtNanos = sentNanos;
        List<SourceConfig> sources = granted.shard().sources();
        fence.revoke();
        fence.grant(new LeaseFence.Grant(granted.tag(), ids(sources), fenceAt(granted, sentNanos)));
        log.info("control plane: lease {} of shard {} (epoch {}, ttl {} s, shard version {}): {} camera(s)",
                granted.leaseId(), granted.shardId(), granted.epoch(), granted.ttl().toSeconds(),
                granted.shardVersion(), sources.size());
        applyShard(granted.shard(), "lease");
        armRenewal(granted);
        armFence(granted);
    }

    /** A granted lease this worker will not run: counted, and given back so the shard is free at once. */
    private void refuse(String leaseId, String reason) {
        Counter.builder("cp.leases.refused").description("leases the control plane granted that this worker refused")
                .tag("reason", reason).register(engine.meterRegistry()).increment();
        client.release(leaseId).subscribe(null, e -> log.warn("control plane: giving back refused lease {}: {}",
                leaseId, e.getMessage()));
    }

    private long fenceAt(Lease l, long sentNanos) {
        return LeaseFence.fenceAt(sentNanos, l.ttl());
    }

    private void armRenewal(Lease l) {
        long due = extendedAtNanos + l.ttl().toNanos() / 3;
        long gen = generation;
        later(() -> {
            if (gen == generation) {
                renew();
            }
        }, Math.max(0, TimeUnit.NANOSECONDS.toMillis(due - nanos.getAsLong())));
    }

    private void armFence(Lease l) {
        long gen = generation;
        long at = fenceAt(l, extendedAtNanos);
        later(() -> {
            if (gen != generation || lease != l) {
                return;
            }
            if (nanos.getAsLong() - fenceAt(l, extendedAtNanos) >= 0) {
                log.error("control plane: no renewal of lease {} (shard {}, epoch {}) succeeded in {} s, the ttl less"
                        + " a margin of {} s: fenced; its cameras stop and its events are not published",
                        l.leaseId(), l.shardId(), l.epoch(),
                        (l.ttl().minus(LeaseFence.margin(l.ttl()))).toMillis() / 1000.0,
                        LeaseFence.margin(l.ttl()).toMillis() / 1000.0);
                lose();
            } else {
                armFence(l);
            }
        }, Math.max(0, TimeUnit.NANOSECONDS.toMillis(at - nanos.getAsLong())) + 1);
    }

    private void renew() {
        Lease l = lease;
        if (stopped || l == null) {
            return;
        }
        long sent = nanos.getAsLong();
        long gen = generation;
        ObjectNode report = reports.build(l, draining);
        client.renew(l.leaseId(), report)
                .publishOn(scheduler)
                .subscribe(renewal -> {
                    if (gen == generation) {
                        renewed(l, renewal, sent);
                    }
                }, error -> {
                    if (gen == generation) {
                        renewFailed(l, error);
                    }
                });
    }

    private void renewed(Lease l, Renewal renewal, long sentNanos) {
        if (nanos.getAsLong() - fenceAt(l, extendedAtNanos) >= 0) {
            // answered after the fence: the cameras are already going; the lease cannot be trusted again
            lose();
            return;
        }
        renewFailures = 0;
        extendedAtNanos = sentNanos;
        Lease now = l;
        LeaseFence.Grant held = fence.current(l.shardId());
        Set<String> cameras = held == null ? Set.of() : held.cameras();
        if (renewal.shard() != null && !renewal.shardVersion().equals(l.shardVersion())) {
            now = new Lease(l.leaseId(), l.shardId(), l.epoch(), l.ttl(), renewal.shardVersion(), renewal.shard());
            Set<String> both = new HashSet<>(cameras);
            both.addAll(ids(renewal.shard().sources()));
            cameras = both;
            log.info("control plane: shard {} changed to version {}: {} camera(s)", l.shardId(),
                    renewal.shardVersion(), renewal.shard().sources().size());
        }
        lease = now;
        fence.grant(new LeaseFence.Grant(l.tag(), cameras, fenceAt(l, sentNanos)));
        if (now != l) {
            Lease updated = now;
            applyShard(updated.shard(), "update").subscribe(null, null, () -> scheduler.schedule(() -> {
                LeaseFence.Grant g = fence.current(updated.shardId());
                if (lease == updated && g != null) {
                    fence.grant(new LeaseFence.Grant(g.tag(), ids(updated.shard().sources()), g.fenceAtNanos()));
                }
            }));
        }
        armRenewal(now);
    }

    private void renewFailed(Lease l, Throwable error) {
        if (error instanceof ControlPlaneException e && e.kind() == ControlPlaneException.Kind.LOST) {
            log.error("control plane: lease {} of shard {} (epoch {}) is lost: {}", l.leaseId(), l.shardId(),
                    l.epoch(), e.getMessage());
            lose();
            return;
        }
        renewFailures++;
        long left = TimeUnit.NANOSECONDS.toMillis(fenceAt(l, extendedAtNanos) - nanos.getAsLong());
        long retry = Math.min(Math.max(250, l.ttl().toMillis() / 10), Math.max(0, left));
        log.warn("control plane: renewal {} of lease {} failed: {}; {} ms left before the fence, retrying in {} ms",
                renewFailures, l.leaseId(), error.getMessage(), left, retry);
        long gen = generation;
        later(() -> {
            if (gen == generation) {
                renew();
            }
        }, retry);
    }

    /** Fences at once, removes the shard's cameras (reason lease_lost), then acquires again. */
    private void lose() {
        Lease l = lease;
        fence.revoke();
        generation++;
        lease = null;
        state = draining || stopped ? State.RELEASED : State.ACQUIRING;
        if (l == null) {
            return;
        }
        long gen = generation;
        engine.apply(List.of(), LOST_REASON)
                .doOnError(e -> log.warn("removing the cameras of lost lease {}: {}", l.leaseId(), e.toString()))
                .onErrorResume(e -> Mono.empty())
                .publishOn(scheduler)
                .subscribe(null, null, () -> {
                    if (gen == generation) {
                        acquire();
                    }
                });
    }

    private Mono<Void> applyShard(LeasedShard shard, String why) {
        ShardSettings.apply(engine, shard);
        Mono<Void> applied = engine.apply(shard.sources())
                .doOnNext(changes -> log.info("control plane: {} applied: {}", why, changes))
                .doOnError(e -> log.error("control plane: the shard's cameras cannot apply: {}", e.getMessage()))
                .onErrorResume(e -> Mono.empty())
                .then()
                .cache();
        applied.subscribe();
        return applied;
    }

    /**
     * The drain: no more acquiring; the lease is still renewed while the last events go out. Call {@link #release}
     * once they are confirmed.
     */
    public void drain() {
        draining = true;
    }

    /** Gives the lease back (after the drain's last event is confirmed) and stops; waits at most {@code timeout}. */
    public void release(Duration timeout) {
        Lease l = Mono.fromCallable(() -> {
            stopped = true;
            Lease held = lease;
            fence.revoke();
            generation++;
            lease = null;
            state = State.RELEASED;
            return held == null ? Lease.NONE : held;
        }).subscribeOn(scheduler).block(timeout);
        if (l == null || l == Lease.NONE) {
            return;
        }
        try {
            client.release(l.leaseId()).block(timeout);
            log.info("control plane: lease {} of shard {} (epoch {}) released", l.leaseId(), l.shardId(), l.epoch());
        } catch (RuntimeException e) {
            log.warn("control plane: release of lease {} failed ({}); it expires on its own in {} s", l.leaseId(),
                    e.getMessage(), l.ttl().toSeconds());
        }
    }

    private void later(Runnable task, long delayMillis) {
        if (!stopped) {
            scheduler.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private static Set<String> ids(List<SourceConfig> sources) {
        Set<String> ids = new HashSet<>();
        sources.forEach(s -> ids.add(s.cameraUuid()));
        return ids;
    }

    @Override
    public void close() {
        scheduler.schedule(() -> {
            stopped = true;
            generation++;
        });
    }
}
