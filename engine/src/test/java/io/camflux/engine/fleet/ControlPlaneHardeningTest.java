package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.camflux.engine.CamFlux;
import io.camflux.engine.EngineParts;
import io.camflux.engine.config.ControlPlaneConfig;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.SyntheticStreams;
import io.camflux.engine.testing.TestConfigs;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * What a control plane can do wrong and a worker must not take: an answer that trickles, a ttl out of range, an
 * epoch lower than one already held, a shard larger than {@code max_cameras}. A scripted control plane answers
 * acquires from a queue; a lease the worker refuses is given back ({@code DELETE}) and counted.
 */
class ControlPlaneHardeningTest {
    private final Queue<String> acquireAnswers = new ConcurrentLinkedQueue<>();
    private final List<String> deleted = new CopyOnWriteArrayList<>();
    private volatile int renewStatus = 200;
    private volatile boolean trickle;
    private DisposableServer server;
    private CamFlux engine;
    private Scheduler thread;
    private LeaseFence fence;
    private LeaseKeeper keeper;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create().host("127.0.0.1").port(0).route(r -> r
                .post("/api/leases", (req, res) -> req.receive().then(Mono.defer(() -> {
                    if (trickle) {
                        return res.status(201).header("Content-Type", "application/json")
                                .sendString(Flux.just("{\"lease_id\": \"slow\", ", "\"shard_id\": \"s\", ", "\"epoch\": 1}")
                                        .delayElements(Duration.ofMillis(1500))).then();
                    }
                    String answer = acquireAnswers.poll();
                    return answer == null ? res.status(204).send().then()
                            : res.status(201).header("Content-Type", "application/json").sendString(Mono.just(answer))
                            .then();
                })))
                .put("/api/leases/{id}", (req, res) -> req.receive().then(Mono.defer(() ->
                        res.status(renewStatus).header("Content-Type", "application/json")
                                .sendString(Mono.just(renewStatus == 200 ? "{\"shard_version\": \"1\"}"
                                        : "{\"error\": \"gone\"}")).then())))
                .delete("/api/leases/{id}", (req, res) -> {
                    deleted.add(req.param("id"));
                    return res.status(204).send();
                }))
                .bindNow();
        engine = EngineParts.streamOpener(CamFlux.builder(TestConfigs.shard(6, 8, List.of())), SyntheticStreams.opener(25 * 600, 40_000, 0))
                .detector(FakeDetectors.fixedCost(0)).build();
        fence = new LeaseFence(System::nanoTime);
        thread = Schedulers.newSingle("test-lease");
    }

    @AfterEach
    void stop() {
        if (keeper != null) {
            keeper.close();
        }
        engine.close();
        thread.dispose();
        server.disposeNow();
    }

    private ControlPlaneConfig config(int maxCameras, int timeoutMs) {
        return new ControlPlaneConfig(URI.create("http://127.0.0.1:" + server.port() + "/api"), null, maxCameras,
                Duration.ofMillis(timeoutMs), Duration.ofMillis(100), Duration.ofMillis(200));
    }

    private LeaseKeeper keeper(int maxCameras) {
        ControlPlaneConfig config = config(maxCameras, 2000);
        keeper = new LeaseKeeper(new ControlPlaneClient(config, null, new io.camflux.engine.config.ShardRules(maxCameras, List.of(), false), engine.meterRegistry()), engine,
                config, "cpu", fence, thread, System::nanoTime, () -> 0.5);
        return keeper.start();
    }

    private static String lease(String id, long epoch, long ttl, int cameras) {
        ObjectNode n = ControlPlaneClient.JSON.createObjectNode().put("lease_id", id).put("shard_id", "s")
                .put("epoch", epoch).put("ttl_seconds", ttl).put("shard_version", "1");
        var sources = n.putObject("shard").putArray("sources");
        for (int i = 0; i < cameras; i++) {
            sources.addObject().put("camera_uuid", "cam-" + i).put("url", "rtsp://cam.example/" + i);
        }
        return n.toString();
    }

    private double refused(String reason) {
        Counter c = engine.meterRegistry().find("cp.leases.refused").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void anAnswerThatTricklesTimesOutAsAWhole() {
        trickle = true;
        ControlPlaneClient client = new ControlPlaneClient(config(8, 1000), null, new io.camflux.engine.config.ShardRules(8, List.of(), false), engine.meterRegistry());
        // the first byte comes at once, the whole answer after 4.5 s: only a limit on the whole answer stops it
        ControlPlaneException e = assertThrows(ControlPlaneException.class,
                () -> client.acquire(ControlPlaneClient.JSON.createObjectNode()).block(Duration.ofSeconds(20)));
        assertEquals(ControlPlaneException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -5, 1, 2, 3601, 1_000_000_000L})
    void aTtlOutOfRangeIsRefusedCountedAndGivenBack(long ttl) throws Exception {
        acquireAnswers.add(lease("bad-ttl", 1, ttl, 1));
        keeper(8);
        Await.until(() -> deleted.contains("bad-ttl"), 10, "the refused lease given back");
        assertEquals(1.0, refused("invalid"));
        assertEquals(LeaseKeeper.State.ACQUIRING, keeper.state(), "not held");
        assertFalse(fence.held());
        assertEquals(List.of(), engine.cameras(), "nothing runs");
        assertTrue(engine.meterRegistry().get("cp.requests").tag("request", "acquire").tag("result", "invalid")
                .counter().count() >= 1);
    }

    @Test
    void aLeaseWhoseEpochIsNotAboveOneHeldIsRefused() throws Exception {
        acquireAnswers.add(lease("first", 5, 3, 1));
        keeper(8);
        Await.until(() -> keeper.state() == LeaseKeeper.State.HOLDING, 10, "the first lease held");
        acquireAnswers.add(lease("older", 3, 3, 1));
        acquireAnswers.add(lease("same", 5, 3, 1));
        acquireAnswers.add(lease("newer", 6, 3, 1));
        renewStatus = 410; // the first lease is lost at its next renewal
        Await.until(() -> keeper.lease() != null && keeper.lease().leaseId().equals("newer"), 20, "the newer lease");
        // a refused lease is handed back without waiting for the answer: the newer one may be held first
        Await.until(() -> deleted.size() >= 2, 10, "both refused leases handed back");
        assertEquals(List.of("older", "same"), deleted);
        assertEquals(2.0, refused("stale_epoch"));
        assertEquals(6, keeper.lease().epoch());
    }

    @Test
    void aShardLargerThanMaxCamerasIsRefusedAndGivenBack() throws Exception {
        acquireAnswers.add(lease("too-big", 1, 6, 3));
        acquireAnswers.add(lease("fits", 2, 6, 2));
        keeper(2);
        Await.until(() -> keeper.lease() != null, 10, "the lease that fits");
        assertEquals("fits", keeper.lease().leaseId());
        assertEquals(List.of("too-big"), deleted);
        assertEquals(1.0, refused("invalid"));
    }
}
