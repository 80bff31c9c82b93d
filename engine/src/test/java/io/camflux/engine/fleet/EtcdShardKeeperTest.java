package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.CameraView;
import io.camflux.engine.EngineParts;
import io.camflux.engine.config.EtcdConfig;
import io.camflux.engine.event.LeaseTag;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.EtcdCluster;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.SyntheticStreams;
import io.camflux.engine.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Two shard keepers in one JVM against a real etcd (one member), each with an engine of synthetic live cameras and a
 * detector that takes no time (BlockHound watches every thread, as in every engine test): shards spread, events
 * carry the owner key's create revision, a changed shard applies live, a removed one stops, and a lost etcd fences
 * both before the ttl; when it is back they hold the shards again under higher epochs.
 */
class EtcdShardKeeperTest {
    private static final Duration TTL = Duration.ofSeconds(4);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private EtcdCluster etcd;
    private EtcdClient admin;
    private final EtcdKeys keys = new EtcdKeys("/keeper-test");
    private final List<Node> nodes = new ArrayList<>();

    /** One worker: its engine, fence and keeper, and what it published. */
    private final class Node implements AutoCloseable {
        final String name;
        final CamFlux engine;
        final LeaseFence fence = new LeaseFence(System::nanoTime);
        final Scheduler thread;
        final EtcdShardKeeper keeper;
        final Map<String, List<LeaseTag>> published = new ConcurrentHashMap<>();
        final List<CameraStatus> statuses = new CopyOnWriteArrayList<>();
        final Disposable subscriptions;

        Node(String name) throws Exception {
            this.name = name;
            engine = EngineParts.streamOpener(CamFlux.builder(TestConfigs.shard(name, 6, 8, List.of())), SyntheticStreams.opener(25 * 600, 40_000, 0))
                    .detector(FakeDetectors.fixedCost(0)).build();
            subscriptions = reactor.core.Disposables.composite(
                    engine.detections().subscribe(e -> {
                        LeaseTag tag = fence.admit(e.cameraUuid());
                        if (tag != null) {
                            published.computeIfAbsent(e.cameraUuid(), k -> new CopyOnWriteArrayList<>()).add(tag);
                        }
                    }),
                    engine.statuses().subscribe(statuses::add));
            thread = Schedulers.newSingle("test-etcd-" + name);
            EtcdConfig config = new EtcdConfig(etcd.endpoints(), keys.prefix(), TTL, 8, Duration.ofMillis(800),
                    Duration.ofMillis(300));
            keeper = new EtcdShardKeeper(new EtcdClient(etcd.endpoints(), config.requestTimeout(),
                    engine.meterRegistry()), engine, config, List.of(), fence, thread, System::nanoTime).start();
            nodes.add(this);
        }

        List<String> cameras() {
            return engine.cameras().stream().map(CameraView::cameraUuid).sorted().toList();
        }

        int count(String camera) {
            return published.getOrDefault(camera, List.of()).size();
        }

        @Override
        public void close() {
            keeper.release(WAIT);
            subscriptions.dispose();
            engine.close();
            thread.dispose();
        }
    }

    @BeforeEach
    void start() throws Exception {
        etcd = EtcdCluster.start(1);
        admin = new EtcdClient(etcd.endpoints(), Duration.ofSeconds(3), null);
    }

    @AfterEach
    void stop() throws Exception {
        for (Node n : nodes) {
            n.close();
        }
        etcd.close();
    }

    private void putShard(String id, String... cameras) {
        StringBuilder sources = new StringBuilder();
        for (String c : cameras) {
            sources.append(sources.length() == 0 ? "" : ",").append("{\"camera_uuid\": \"").append(c)
                    .append("\", \"url\": \"rtsp://cam.example/").append(c).append("\"}");
        }
        admin.put(keys.shard(id), "{\"sources\": [" + sources + "]}", 0).block(WAIT);
    }

    private EtcdKeys.State state() {
        return EtcdKeys.State.of(keys, admin.range(keys.root()).block(WAIT));
    }

    @Test
    void shardsSpreadOverTwoWorkersAndEventsCarryTheOwnerKeysRevision() throws Exception {
        for (int i = 1; i <= 4; i++) {
            putShard("s" + i, "cam-" + i);
        }
        Node a = new Node("a");
        Node b = new Node("b");
        Await.until(() -> a.cameras().size() == 2 && b.cameras().size() == 2 && state().owners().size() == 4, 30,
                "two shards each");
        EtcdKeys.State held = state();
        for (Node n : List.of(a, b)) {
            for (String camera : n.cameras()) {
                String shard = "s" + camera.substring(4);
                assertEquals(n.name, held.holder(shard));
                Await.until(() -> n.count(camera) >= 3, 20, camera + " publishes");
                LeaseTag last = n.published.get(camera).get(n.published.get(camera).size() - 1);
                assertEquals(new LeaseTag(shard, held.owners().get(shard).createRevision()), last);
            }
        }
        assertEquals(2.0, a.engine.meterRegistry().get("cp.shards.held").gauge().value());
        assertEquals(1.0, a.engine.meterRegistry().get("cp.lease.state").gauge().value());
    }

    @Test
    void aChangedShardAppliesLiveAndARemovedOneStops() throws Exception {
        putShard("s1", "cam-1", "cam-2");
        Node a = new Node("a");
        Await.until(() -> a.count("cam-1") >= 3 && a.count("cam-2") >= 3, 20, "both cameras publish");
        long epoch = state().owners().get("s1").createRevision();
        putShard("s1", "cam-1", "cam-3");
        Await.until(() -> a.count("cam-3") >= 3, 20, "the added camera publishes");
        Await.until(() -> a.statuses.stream().anyMatch(s -> s.cameraUuid().equals("cam-2")
                && s.state() == CameraState.DISCONNECTED && "removed".equals(s.reason())), 10, "cam-2 removed");
        assertEquals(1, a.statuses.stream().filter(s -> s.cameraUuid().equals("cam-1")
                && s.state() == CameraState.CONNECTING).count(), "cam-1 did not reconnect");
        assertEquals(epoch, state().owners().get("s1").createRevision(), "the same epoch");
        assertTrue(a.published.get("cam-3").stream().allMatch(t -> t.epoch() == epoch));

        admin.delete(keys.shard("s1")).block(WAIT);
        Await.until(() -> a.cameras().isEmpty(), 10, "the removed shard's cameras stop");
        Await.until(() -> !state().owners().containsKey("s1"), 10, "and its owner key goes");
    }

    @Test
    void aShardThatCannotRunHereIsRefusedOnceAndLeftFree() throws Exception {
        admin.put(keys.shard("bad"), "{\"sources\": [{\"camera_uuid\": \"x\", \"url\": \"/etc/passwd\"}]}", 0)
                .block(WAIT);
        putShard("good", "cam-1");
        Node a = new Node("a");
        Await.until(() -> a.cameras().equals(List.of("cam-1")), 20, "the good shard runs");
        Thread.sleep(1000); // a few rescans
        assertFalse(state().owners().containsKey("bad"), "a local file outside allowed_file_roots is not claimed");
        assertEquals(1.0, a.engine.meterRegistry().get("cp.leases.refused").tag("reason", "invalid").counter().count(),
                "refused once, not at every rescan");
    }

    @Test
    void losingEtcdFencesBeforeTheTtlAndTheShardsComeBackUnderHigherEpochs() throws Exception {
        putShard("s1", "cam-1");
        Node a = new Node("a");
        Await.until(() -> a.count("cam-1") >= 3 && a.fence.held(), 20, "cam-1 publishes");
        long epoch = state().owners().get("s1").createRevision();
        etcd.stopMember(1);
        long lost = System.nanoTime();
        Await.until(() -> !a.fence.held(), 10, "fenced");
        double fencedAfter = (System.nanoTime() - lost) / 1e9;
        assertTrue(fencedAfter < TTL.toSeconds(), "fenced before the ttl: " + fencedAfter + " s");
        Await.until(() -> a.statuses.stream().anyMatch(s -> s.cameraUuid().equals("cam-1")
                && LeaseKeeper.LOST_REASON.equals(s.reason())), 10, "cam-1 DISCONNECTED with reason lease_lost");
        etcd.startMember(1);
        Await.until(() -> a.fence.admit("cam-1") != null, 30, "held again");
        assertTrue(a.fence.admit("cam-1").epoch() > epoch, "under a higher epoch");
        assertEquals(1.0, a.engine.meterRegistry().get("cp.sessions.lost").counter().count());
    }
}
