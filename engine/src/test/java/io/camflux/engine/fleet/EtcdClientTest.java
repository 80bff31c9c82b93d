package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.testing.EtcdCluster;
import io.camflux.engine.testing.Ports;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.Disposable;

/** The etcd calls a fleet needs, against a real etcd (one member, Debian's etcd-server). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private EtcdCluster etcd;
    private EtcdClient client;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    void start() throws Exception {
        etcd = EtcdCluster.start(1);
        client = new EtcdClient(etcd.endpoints(), Duration.ofSeconds(3), registry);
    }

    @AfterAll
    void stop() throws Exception {
        etcd.close();
    }

    @Test
    void aKeyIsCreatedOnceAndItsCreateRevisionOnlyGrows() {
        long lease = client.grant(Duration.ofSeconds(30)).block(WAIT);
        Long first = client.createIfAbsent("/t1/owners/a", "{\"runner_id\":\"w1\"}", lease).block(WAIT);
        assertTrue(first != null && first > 0);
        assertNull(client.createIfAbsent("/t1/owners/a", "{\"runner_id\":\"w2\"}", lease).block(WAIT),
                "a second claim finds it taken");
        assertEquals("{\"runner_id\":\"w1\"}", client.get("/t1/owners/a").block(WAIT).value());
        assertEquals(lease, client.get("/t1/owners/a").block(WAIT).lease());
        assertFalse(client.deleteIfCreatedAt("/t1/owners/a", first + 100).block(WAIT), "not that creation");
        assertTrue(client.deleteIfCreatedAt("/t1/owners/a", first).block(WAIT));
        Long second = client.createIfAbsent("/t1/owners/a", "{}", lease).block(WAIT);
        assertTrue(second > first, "the next holder's epoch is higher: " + first + " then " + second);
        assertTrue(registry.get("etcd.requests").tag("request", "create").tag("result", "ok").counter().count() >= 2);
    }

    @Test
    void aRevokedLeaseTakesItsKeysAndKeepAliveSaysItIsGone() {
        long lease = client.grant(Duration.ofSeconds(30)).block(WAIT);
        client.put("/t2/workers/w1", "{}", lease).block(WAIT);
        assertTrue(client.keepAlive(lease).block(WAIT) > 0);
        client.revoke(lease).block(WAIT);
        assertEquals(0L, client.keepAlive(lease).block(WAIT), "gone");
        assertNull(client.get("/t2/workers/w1").block(WAIT), "its key went with it");
        client.revoke(lease).block(WAIT); // revoking again is not an error
    }

    @Test
    void aLeaseThatIsNotKeptAliveExpiresWithItsKeys() throws Exception {
        long lease = client.grant(Duration.ofSeconds(3)).block(WAIT);
        client.put("/t3/owners/x", "{}", lease).block(WAIT);
        long end = System.nanoTime() + 15_000_000_000L;
        while (client.get("/t3/owners/x").block(WAIT) != null && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertNull(client.get("/t3/owners/x").block(WAIT), "expired");
    }

    @Test
    void aRangeHoldsItsPrefixOnly() {
        client.put("/t4/shards/a", "A", 0).block(WAIT);
        client.put("/t4/shards/b", "B", 0).block(WAIT);
        client.put("/t40/shards/c", "C", 0).block(WAIT);
        client.put("/t4", "parent", 0).block(WAIT);
        assertEquals(List.of("/t4/shards/a", "/t4/shards/b"),
                client.range("/t4/").block(WAIT).keyValues().stream().map(EtcdClient.KeyValue::key).toList());
        assertTrue(client.delete("/t4/shards/a").block(WAIT));
        assertFalse(client.delete("/t4/shards/a").block(WAIT));
    }

    @Test
    void aWatchSignalsEachChangeUnderItsPrefix() throws Exception {
        List<String> chunks = new java.util.concurrent.CopyOnWriteArrayList<>();
        Disposable watch = client.watch("/t5/").subscribe(chunks::add);
        try {
            long end = System.nanoTime() + 10_000_000_000L;
            while (chunks.isEmpty() && System.nanoTime() < end) {
                Thread.sleep(20); // the watch's "created" answer
            }
            int created = chunks.size();
            client.put("/t5/shards/a", "x", 0).block(WAIT);
            client.put("/t50/shards/a", "not this one", 0).block(WAIT);
            while (chunks.size() == created && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            Thread.sleep(300);
            assertEquals(created + 1, chunks.size(), "one change under the prefix: " + chunks);
            assertTrue(String.join("", chunks).contains(java.util.Base64.getEncoder().encodeToString(
                    "/t5/shards/a".getBytes())), chunks.toString());
        } finally {
            watch.dispose();
        }
    }

    @Test
    void anEndpointThatRefusesIsPassedOverAtOnceAndTheNextRequestsGoToTheNext() throws Exception {
        List<URI> endpoints = new ArrayList<>();
        endpoints.add(URI.create("http://127.0.0.1:" + Ports.free())); // a member that is down
        endpoints.addAll(etcd.endpoints());
        SimpleMeterRegistry counted = new SimpleMeterRegistry();
        EtcdClient two = new EtcdClient(endpoints, Duration.ofSeconds(2), counted);
        assertTrue(two.put("/t6/a", "x", 0).block(WAIT) > 0, "answered by the next endpoint within the same call");
        assertTrue(two.put("/t6/b", "y", 0).block(WAIT) > 0);
        assertEquals(1.0, counted.get("etcd.requests").tag("request", "put").tag("result", "error").counter().count(),
                "the down member was tried once");
        assertEquals(2.0, counted.get("etcd.requests").tag("request", "put").tag("result", "ok").counter().count());
        EtcdClient none = new EtcdClient(List.of(URI.create("http://127.0.0.1:" + Ports.free())), Duration.ofSeconds(2),
                null);
        EtcdClient.EtcdException e = assertThrows(EtcdClient.EtcdException.class,
                () -> none.put("/t6/c", "z", 0).block(WAIT));
        assertTrue(e.getMessage().contains("no answer"), e.getMessage());
    }
}
