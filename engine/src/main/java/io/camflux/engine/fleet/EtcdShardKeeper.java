package io.camflux.engine.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.camflux.engine.CamFlux;
import io.camflux.engine.config.ConfigException;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.EtcdConfig;
import io.camflux.engine.config.LeasedShard;
import io.camflux.engine.config.ShardRules;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.event.LeaseTag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Holds this worker's shards in etcd (docs/fleet.md). The worker keeps one etcd lease of {@code ttl_seconds} alive
 * (every ttl/3) and registers under it ({@code {prefix}/workers/{runner_id}}); it claims a free shard
 * ({@code {prefix}/shards/{id}} without {@code {prefix}/owners/{id}}) by creating the owner key under its lease in a
 * transaction, and the owner key's create revision is the shard's {@code lease_epoch}: etcd's revisions only grow,
 * so every later holder's epoch is higher, a real fencing token. A watch on the prefix (and a rescan every
 * {@code rescan_interval_ms}) brings shard changes (applied as live camera diffs), freed shards, move requests
 * ({@code camflux shards move}) and new workers.
 * <p>
 * Shards spread evenly: a worker claims only while it holds no more than the least loaded live worker, and one
 * that holds two more than that gives one back (after its events in flight went out). Its cameras must fit its
 * {@code max_cameras}.
 * <p>
 * Fencing as with the HTTP control plane: when no keep-alive has succeeded by the ttl less a margin, measured on the
 * monotonic clock from when the last successful one was <em>sent</em> (etcd counts from when it received it), the
 * {@link LeaseFence} admits nothing more, every camera is removed ({@code DISCONNECTED}, reason {@code lease_lost})
 * and the worker starts a new etcd session (the old lease revoked as soon as etcd answers), so its shards come back
 * under new epochs. Every step runs on {@code scheduler}, one at a time; a step of an ended session does nothing.
 */
public final class EtcdShardKeeper implements Coordinator {
    private static final Logger log = LoggerFactory.getLogger(EtcdShardKeeper.class);
    /** The reason on a camera's last status event when its shard was moved or rebalanced away. */
    public static final String RELEASED_REASON = "released";

    private final EtcdClient etcd;
    private final CamFlux engine;
    private final EtcdConfig config;
    private final LeaseFence fence;
    private final Scheduler scheduler;
    private final LongSupplier nanos;
    private final String runnerId;
    private final ShardRules rules;
    private final EtcdKeys keys;

    /** A shard held: its epoch (the owner key's create revision) and the shard key's revision applied. */
    private record Held(String shardId, long epoch, long modRevision, LeasedShard shard, Instant since) {
        List<String> cameras() {
            return shard.sources().stream().map(SourceConfig::cameraUuid).toList();
        }
    }

    private final Map<String, Held> held = new TreeMap<>();
    /** Shards being given back: their cameras are going, their owner keys not yet deleted. */
    private final Set<String> leaving = new HashSet<>();
    /** Shards this worker gave back, not to be claimed again by it before the instant (monotonic ns). */
    private final Map<String, Long> cooldownUntil = new HashMap<>();
    /** Shards taken on a move request, kept (not given back to even the spread) until the instant (monotonic ns). */
    private final Map<String, Long> movedIn = new HashMap<>();
    /** Shards refused (invalid, too large), by the shard key's revision: logged once per revision. */
    private final Map<String, Long> refused = new HashMap<>();
    /** Etcd leases of ended sessions, revoked when etcd answers (their owner keys then free at once). */
    private final Set<Long> toRevoke = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Read by the metrics' thread too. */
    private volatile long leaseId;
    private volatile long extendedAtNanos;
    /** Changes with each etcd session; a step of another session does nothing. */
    private long session;
    private volatile boolean draining;
    private volatile boolean stopped;
    private volatile int state = LeaseKeeper.State.ACQUIRING.ordinal();
    private boolean rescanQueued;
    /** A claim is in flight: no other starts before its answer (the spread is counted with it). */
    private boolean claiming;
    private boolean settled;
    private long lastRebalanceNanos;
    private int sessionFailures;
    private Disposable watch;
    private Mono<Void> applying = Mono.empty();

    /**
     * @param scheduler one thread (or virtual time in tests) on which the keeper's steps run
     * @param nanos     the monotonic clock the deadlines are kept on
     */
    public EtcdShardKeeper(EtcdClient etcd, CamFlux engine, EtcdConfig config, List<Path> allowedFileRoots,
                           LeaseFence fence, Scheduler scheduler, LongSupplier nanos) {
        this.etcd = etcd;
        this.engine = engine;
        this.config = config;
        this.rules = new ShardRules(config.maxCameras(), allowedFileRoots, engine.config().tracking().enabled(),
                engine.models());
        this.fence = fence;
        this.scheduler = scheduler;
        this.nanos = nanos;
        this.runnerId = engine.config().runnerId();
        this.keys = new EtcdKeys(config.prefix());
        MeterRegistry registry = engine.meterRegistry();
        Gauge.builder("cp.lease.state", this, k -> k.state)
                .description("0 acquiring (no lease), 1 held, 2 released").register(registry);
        Gauge.builder("cp.lease.deadline", this, EtcdShardKeeper::secondsToFence).baseUnit("seconds")
                .description("time left before the lease fences itself without a renewal; -1 without a lease")
                .register(registry);
        Gauge.builder("cp.lease.epoch", fence, LeaseFence::highestEpoch)
                .description("the epoch of the lease held (the highest, with several shards), 0 without one")
                .register(registry);
        Gauge.builder("cp.shards.held", fence, LeaseFence::heldCount)
                .description("shards this worker holds and may publish for").register(registry);
    }

    private double secondsToFence() {
        return leaseId == 0 ? -1 : Math.max(0, (fenceAt() - nanos.getAsLong()) / 1e9);
    }

    @Override
    public EtcdShardKeeper start() {
        scheduler.schedule(this::openSession);
        return this;
    }

    private long fenceAt() {
        return LeaseFence.fenceAt(extendedAtNanos, config.ttl());
    }

    // ---- the etcd session: one lease, kept alive, fenced when it cannot be

    private void openSession() {
        if (stopped || draining) {
            return;
        }
        List<Long> old = List.copyOf(toRevoke);
        Mono<Void> revokeOld = reactor.core.publisher.Flux.fromIterable(old)
                .concatMap(id -> etcd.revoke(id).doOnSuccess(v -> {
                    toRevoke.remove(id);
                    log.info("etcd: the lease of the fenced session ({}) is revoked: its shards are free", hex(id));
                }))
                .then();
        revokeOld.then(Mono.defer(() -> {
                    long sent = nanos.getAsLong();
                    return etcd.grant(config.ttl()).map(id -> new Granted(id, sent));
                }))
                .flatMap(g -> etcd.put(keys.worker(runnerId), workerJson(), g.leaseId()).thenReturn(g))
                .publishOn(scheduler)
                .subscribe(g -> sessionOpened(g.leaseId(), g.sentNanos()), error -> {
                    sessionFailures++;
                    long delay = Math.min(config.ttl().toMillis(), config.rescanInterval().toMillis()
                            * (1L << Math.min(4, sessionFailures - 1)));
                    log.warn("etcd: cannot start a session: {}; retrying in {} ms", error.getMessage(), delay);
                    later(this::openSession, delay);
                });
    }

    /** An etcd lease granted, and when its grant was sent (the deadline counts from then, before etcd's). */
    private record Granted(long leaseId, long sentNanos) {
    }

    /** @param sentNanos when the grant was sent: the deadline errs early, safely */
    private void sessionOpened(long id, long sentNanos) {
        if (stopped || draining) {
            etcd.revoke(id).subscribe(null, e -> { });
            return;
        }
        sessionFailures = 0;
        session++;
        leaseId = id;
        extendedAtNanos = sentNanos;
        state = LeaseKeeper.State.HOLDING.ordinal();
        log.info("etcd: session lease {} (ttl {} s) for worker {} at {}{}", hex(id), config.ttl().toSeconds(),
                runnerId, config.endpoints(), config.prefix());
        watch();
        armKeepAlive();
        armFence();
        // the first claims wait a moment, so that workers starting together see each other and spread at once
        queueRescan(settled ? 0 : config.rescanInterval().toMillis());
        settled = true;
        long s = session;
        periodic(s);
    }

    private void periodic(long s) {
        later(() -> {
            if (s == session) {
                rescan();
                periodic(s);
            }
        }, config.rescanInterval().toMillis());
    }

    private void armKeepAlive() {
        long s = session;
        long due = extendedAtNanos + config.ttl().toNanos() / 3;
        later(() -> keepAlive(s), Math.max(0, TimeUnit.NANOSECONDS.toMillis(due - nanos.getAsLong())));
    }

    private void keepAlive(long s) {
        if (s != session || stopped) {
            return;
        }
        long sent = nanos.getAsLong();
        etcd.keepAlive(leaseId).publishOn(scheduler).subscribe(ttl -> {
            if (s != session) {
                return;
            }
            if (ttl <= 0) {
                log.error("etcd: the session lease {} is gone (expired or revoked): every shard is lost", hex(leaseId));
                loseAll();
                return;
            }
            if (nanos.getAsLong() - fenceAt() >= 0) {
                // answered after the fence: the cameras are already going; a new session takes the shards again
                loseAll();
                return;
            }
            extendedAtNanos = sent;
            fence.extendAll(fenceAt());
            armKeepAlive();
        }, error -> {
            if (s != session) {
                return;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(fenceAt() - nanos.getAsLong());
            long retry = Math.min(Math.max(250, config.ttl().toMillis() / 10), Math.max(0, left));
            log.warn("etcd: keep-alive of lease {} failed: {}; {} ms left before the fence, retrying in {} ms",
                    hex(leaseId), error.getMessage(), left, retry);
            later(() -> keepAlive(s), retry);
        });
    }

    private void armFence() {
        long s = session;
        later(() -> {
            if (s != session) {
                return;
            }
            if (nanos.getAsLong() - fenceAt() >= 0) {
                log.error("etcd: no keep-alive of lease {} succeeded in {} s, the ttl less a margin of {} s: fenced;"
                        + " {} shard(s) stop and their events are not published", hex(leaseId),
                        config.ttl().minus(LeaseFence.margin(config.ttl())).toMillis() / 1000.0,
                        LeaseFence.margin(config.ttl()).toMillis() / 1000.0, held.size());
                loseAll();
            } else {
                armFence();
            }
        }, Math.max(0, TimeUnit.NANOSECONDS.toMillis(fenceAt() - nanos.getAsLong())) + 1);
    }

    /** Fences every shard at once, removes their cameras (reason lease_lost), then opens a new session. */
    private void loseAll() {
        fence.revoke();
        session++;
        if (leaseId != 0) {
            toRevoke.add(leaseId);
        }
        leaseId = 0;
        state = draining || stopped ? LeaseKeeper.State.RELEASED.ordinal() : LeaseKeeper.State.ACQUIRING.ordinal();
        held.clear();
        leaving.clear();
        movedIn.clear();
        stopWatch();
        Counter.builder("cp.sessions.lost").description("etcd sessions this worker lost (fenced or expired)")
                .register(engine.meterRegistry()).increment();
        apply(LeaseKeeper.LOST_REASON).publishOn(scheduler).subscribe(null, null, this::openSession);
    }

    // ---- watching and reconciling

    private void watch() {
        long s = session;
        stopWatch();
        watch = etcd.watch(keys.root()).publishOn(scheduler).subscribe(chunk -> {
            if (s == session) {
                queueRescan(30);
            }
        }, error -> rewatch(s, error.getMessage()), () -> rewatch(s, "the stream ended"));
    }

    private void rewatch(long s, String why) {
        if (s == session && !stopped) {
            log.debug("etcd: watch ended ({}); watching again", why);
            later(() -> {
                if (s == session) {
                    watch();
                    queueRescan(0);
                }
            }, config.rescanInterval().toMillis());
        }
    }

    private void stopWatch() {
        if (watch != null) {
            watch.dispose();
            watch = null;
        }
    }

    private void queueRescan(long delayMillis) {
        if (!rescanQueued) {
            rescanQueued = true;
            later(() -> {
                rescanQueued = false;
                rescan();
            }, delayMillis);
        }
    }

    private void rescan() {
        if (leaseId == 0 || stopped) {
            return;
        }
        long s = session;
        etcd.range(keys.root()).map(this::scan).publishOn(scheduler).subscribe(scan -> {
            if (s == session) {
                reconcile(scan);
            }
        }, error -> log.debug("etcd: rescan failed: {}", error.getMessage()));
    }

    private void reconcile(Scan scan) {
        EtcdKeys.State now = scan.state();
        for (Held h : List.copyOf(held.values())) {
            if (leaving.contains(h.shardId()) || h.epoch() > now.revision()) {
                continue; // going already, or claimed after this state was read
            }
            EtcdClient.KeyValue owner = now.owners().get(h.shardId());
            EtcdClient.KeyValue shard = now.shards().get(h.shardId());
            if (owner == null || owner.lease() != leaseId || owner.createRevision() != h.epoch()) {
                log.error("etcd: shard {} (epoch {}) is no longer this worker's (its owner key is {}): its cameras stop",
                        h.shardId(), h.epoch(), owner == null ? "gone" : "another's");
                lose(h);
            } else if (shard == null) {
                log.info("etcd: shard {} was removed: its cameras stop and it is given back", h.shardId());
                giveBack(h, "removed", false);
            } else if (now.moveAway(h.shardId(), runnerId)) {
                log.info("etcd: shard {} is asked to move: giving it back", h.shardId());
                giveBack(h, RELEASED_REASON, true);
            } else if (shard.modRevision() > h.modRevision()) {
                update(h, shard, parsed(scan, h.shardId(), shard));
            }
        }
        if (draining || leaseId == 0 || claiming) {
            return;
        }
        int mine = held.size() - leaving.size();
        int least = now.leastLoad(runnerId, mine);
        // a shard asked to move away from another worker may be taken whatever the spread: the operator asked
        if (claimOne(scan, mine <= least)) {
            return;
        }
        long t = nanos.getAsLong();
        Held newest = held.values().stream().filter(h -> !leaving.contains(h.shardId()))
                .filter(h -> movedIn.getOrDefault(h.shardId(), t) - t <= 0)
                .max(Comparator.comparingLong(Held::epoch)).orElse(null);
        if (newest != null && mine > least + 1 && leaving.isEmpty()
                && t - lastRebalanceNanos > config.rescanInterval().toNanos()) {
            lastRebalanceNanos = t;
            log.info("etcd: this worker holds {} shards, a live worker {}: giving shard {} back to spread them", mine,
                    least, newest.shardId());
            giveBack(newest, RELEASED_REASON, true);
        }
    }

    private int camerasHeld() {
        return held.values().stream().mapToInt(h -> h.shard().sources().size()).sum();
    }

    /**
     * Claims one free shard that fits, if any: any free shard when {@code anyFree} (this worker is among the least
     * loaded), else only one asked to move away from another worker. Whether a claim was sent.
     */
    private boolean claimOne(Scan scan, boolean anyFree) {
        EtcdKeys.State now = scan.state();
        Set<String> cameras = new HashSet<>();
        held.values().forEach(h -> cameras.addAll(h.cameras()));
        long t = nanos.getAsLong();
        cooldownUntil.values().removeIf(until -> t - until >= 0);
        // what this worker gave back is another's to take, unless no other worker is alive to take it
        boolean alone = now.workers().keySet().stream().allMatch(runnerId::equals);
        List<EtcdClient.KeyValue> free = now.shards().values().stream()
                .filter(kv -> !now.owners().containsKey(now.idOf(kv)))
                .filter(kv -> alone || !cooldownUntil.containsKey(now.idOf(kv)) && !now.moveAway(now.idOf(kv), runnerId))
                .filter(kv -> anyFree || now.movedAwayFromAnother(now.idOf(kv), runnerId))
                // each worker tries the free shards in its own order, so that workers seldom race for one
                .sorted(Comparator.comparingInt(kv -> Objects.hash(runnerId, kv.key())))
                .toList();
        for (EtcdClient.KeyValue kv : free) {
            String id = now.idOf(kv);
            LeasedShard shard = parsed(scan, id, kv);
            if (shard == null) {
                continue;
            }
            int size = shard.sources().size();
            if (camerasHeld() + size > config.maxCameras()) {
                continue;
            }
            if (shard.sources().stream().anyMatch(s -> cameras.contains(s.cameraUuid()))) {
                refuse(id, kv, "a camera_uuid of it is in a shard this worker holds");
                continue;
            }
            claim(id, kv, shard, now.movedAwayFromAnother(id, runnerId));
            return true;
        }
        return false;
    }

    /** @param moved taken on a move request: not given back to even the spread for a while */
    private void claim(String id, EtcdClient.KeyValue kv, LeasedShard shard, boolean moved) {
        long s = session;
        claiming = true;
        Instant since = Instant.now();
        ObjectNode owner = EtcdClient.JSON.createObjectNode().put("runner_id", runnerId).put("since", since.toString())
                .put("cameras", shard.sources().size());
        etcd.createIfAbsent(keys.owner(id), owner.toString(), leaseId)
                .publishOn(scheduler)
                .doFinally(signal -> scheduler.schedule(() -> claiming = false))
                .subscribe(epoch -> {
                    if (s != session || draining || stopped) {
                        etcd.deleteIfCreatedAt(keys.owner(id), epoch).subscribe(null, e -> { });
                        return;
                    }
                    Held h = new Held(id, epoch, kv.modRevision(), shard, since);
                    held.put(id, h);
                    if (moved) {
                        movedIn.put(id, nanos.getAsLong() + 3 * config.ttl().toNanos());
                    }
                    fence.grant(new LeaseFence.Grant(new LeaseTag(id, epoch), Set.copyOf(h.cameras()), fenceAt()));
                    log.info("etcd: shard {} held (epoch {}): {} camera(s); {} shard(s), {} camera(s) on this worker",
                            id, epoch, shard.sources().size(), held.size(), camerasHeld());
                    apply("removed");
                    queueRescan(0);
                }, error -> log.warn("etcd: claiming shard {} failed: {}", id, error.getMessage()),
                        () -> queueRescan(50));
    }

    /** @param shard the changed shard as parsed, null when this worker cannot run it (the old version runs on) */
    private void update(Held h, EtcdClient.KeyValue kv, LeasedShard shard) {
        if (shard == null) {
            return;
        }
        int others = camerasHeld() - h.shard().sources().size();
        if (others + shard.sources().size() > config.maxCameras()) {
            log.error("etcd: shard {} now has {} cameras, more than this worker has room for ({} of max_cameras {} in"
                    + " other shards): giving it back", h.shardId(), shard.sources().size(), others, config.maxCameras());
            giveBack(h, RELEASED_REASON, true);
            return;
        }
        Held updated = new Held(h.shardId(), h.epoch(), kv.modRevision(), shard, h.since());
        held.put(h.shardId(), updated);
        Set<String> both = new HashSet<>(h.cameras());
        both.addAll(updated.cameras());
        LeaseTag tag = new LeaseTag(h.shardId(), h.epoch());
        fence.grant(new LeaseFence.Grant(tag, both, fenceAt()));
        log.info("etcd: shard {} changed (revision {}): {} camera(s)", h.shardId(), kv.modRevision(),
                shard.sources().size());
        long s = session;
        apply("removed").publishOn(scheduler).subscribe(null, null, () -> {
            if (s == session && held.get(h.shardId()) == updated) {
                fence.grant(new LeaseFence.Grant(tag, Set.copyOf(updated.cameras()), fenceAt()));
            }
        });
    }

    /** This shard's owner key is not ours any more: fenced at once, its cameras removed. */
    private void lose(Held h) {
        fence.revoke(h.shardId());
        held.remove(h.shardId());
        movedIn.remove(h.shardId());
        apply(LeaseKeeper.LOST_REASON);
    }

    /**
     * Gives a shard back: its cameras finish their frames in flight and go, their last events get a moment to reach
     * the broker, then its lease ends and the owner key is deleted, so another worker can claim it.
     */
    private void giveBack(Held h, String reason, boolean cooldown) {
        leaving.add(h.shardId());
        long s = session;
        apply(reason)
                .then(Mono.delay(Duration.ofMillis(Math.min(1000, LeaseFence.margin(config.ttl()).toMillis() / 2))))
                .publishOn(scheduler)
                .subscribe(null, null, () -> {
                    if (s != session) {
                        return;
                    }
                    fence.revoke(h.shardId());
                    held.remove(h.shardId());
                    leaving.remove(h.shardId());
                    movedIn.remove(h.shardId());
                    if (cooldown) {
                        cooldownUntil.put(h.shardId(), nanos.getAsLong() + 3 * config.ttl().toNanos());
                    }
                    etcd.deleteIfCreatedAt(keys.owner(h.shardId()), h.epoch()).publishOn(scheduler)
                            .subscribe(deleted -> log.info("etcd: shard {} (epoch {}) given back", h.shardId(),
                                    h.epoch()), e -> log.warn("etcd: giving shard {} back: {}; it frees when this"
                                    + " session ends", h.shardId(), e.getMessage()));
                });
    }

    /** A shard key read and validated: the shard, or why this worker cannot run it. */
    private record Parsed(LeasedShard shard, String problem) {
    }

    /** The fleet's keys with every shard validated (file checks: run off the keeper's thread). */
    private record Scan(EtcdKeys.State state, Map<String, Parsed> shards) {
    }

    private Scan scan(EtcdClient.Snapshot snapshot) {
        EtcdKeys.State state = EtcdKeys.State.of(keys, snapshot);
        Map<String, Parsed> parsed = new HashMap<>();
        state.shards().forEach((id, kv) -> {
            try {
                JsonNode node = EtcdClient.JSON.readTree(kv.value());
                parsed.put(id, new Parsed(ConfigLoader.parseLeasedShard(node, rules), null));
            } catch (ConfigException e) {
                parsed.put(id, new Parsed(null, String.join("; ", e.problems())));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                parsed.put(id, new Parsed(null, "not JSON: " + e.getOriginalMessage()));
            }
        });
        return new Scan(state, parsed);
    }

    /** The shard as this worker can run it, or null (refused: logged once per revision). */
    private LeasedShard parsed(Scan scan, String id, EtcdClient.KeyValue kv) {
        Parsed p = scan.shards().get(id);
        if (p.problem() != null) {
            refuse(id, kv, p.problem());
        }
        return p.shard();
    }

    private void refuse(String id, EtcdClient.KeyValue kv, String why) {
        if (!Objects.equals(refused.put(id, kv.modRevision()), kv.modRevision())) {
            log.error("etcd: shard {} (revision {}) cannot run on this worker: {}", id, kv.modRevision(), why);
            Counter.builder("cp.leases.refused").description("leases or shards this worker refused")
                    .tag("reason", "invalid").register(engine.meterRegistry()).increment();
        }
    }

    /**
     * Makes the engine's cameras those of the shards held and not leaving (in shard order), one change after the
     * other; the settings of the first shard that has them apply.
     */
    private Mono<Void> apply(String removedReason) {
        List<SourceConfig> desired = new ArrayList<>();
        LeasedShard settings = null;
        for (Held h : held.values()) {
            if (!leaving.contains(h.shardId())) {
                desired.addAll(h.shard().sources());
                settings = settings == null ? h.shard() : settings;
            }
        }
        LeasedShard first = settings;
        Mono<Void> next = applying.onErrorResume(e -> Mono.empty()).then(Mono.defer(() -> {
            if (first != null) {
                ShardSettings.apply(engine, first);
            }
            return engine.apply(desired, removedReason)
                    .doOnNext(changes -> log.info("etcd: cameras applied: {}", changes))
                    .doOnError(e -> log.error("etcd: the shards' cameras cannot apply: {}", e.getMessage()))
                    .onErrorResume(e -> Mono.empty())
                    .then();
        })).cache();
        applying = next;
        next.subscribe();
        return next;
    }

    private String workerJson() {
        return EtcdClient.JSON.createObjectNode().put("runner_id", runnerId).put("max_cameras", config.maxCameras())
                .put("since", Instant.now().toString()).toString();
    }

    @Override
    public void drain() {
        draining = true;
    }

    /** Revokes the etcd lease: every owner key of this worker (and its registration) goes at once. */
    @Override
    public void release(Duration timeout) {
        Long id = Mono.fromCallable(() -> {
            stopped = true;
            fence.revoke();
            session++;
            long l = leaseId;
            leaseId = 0;
            state = LeaseKeeper.State.RELEASED.ordinal();
            stopWatch();
            return l;
        }).subscribeOn(scheduler).block(timeout);
        if (id == null || id == 0) {
            return;
        }
        try {
            etcd.revoke(id).block(timeout);
            log.info("etcd: session lease {} revoked: {} shard(s) given back", hex(id), held.size());
        } catch (RuntimeException e) {
            log.warn("etcd: revoking lease {} failed ({}); its shards free when it expires in {} s", hex(id),
                    e.getMessage(), config.ttl().toSeconds());
        }
    }

    private void later(Runnable task, long delayMillis) {
        if (!stopped) {
            scheduler.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private static String hex(long id) {
        return Long.toHexString(id);
    }

    @Override
    public void close() {
        scheduler.schedule(() -> {
            stopped = true;
            session++;
            stopWatch();
        });
    }
}
