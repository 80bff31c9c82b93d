package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.CameraView;
import io.camflux.engine.EngineParts;
import io.camflux.engine.config.ControlPlaneConfig;
import io.camflux.engine.event.LeaseTag;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.SyntheticStreams;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.net.URI;
import java.time.Duration;
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
 * The lease keeper against the simulated control plane over real HTTP, with an engine of synthetic live cameras
 * and a detector that takes no time: acquiring, renewing with reports that conform to the OpenAPI file, shard
 * updates applied live, fencing when renewals fail, a lost lease, release, a wrong token and garbage answers.
 */
class LeaseKeeperTest {
    private static final String TOKEN = "sim-token";
    private static final String CLIP = TestAssets.media("cam1.mp4").toString();
    /** The folder the shards' file cameras are in, allowed as the worker's allowed_file_roots would. */
    private static final List<java.nio.file.Path> MEDIA_ROOTS = List.of(realFolder(CLIP));

    private static java.nio.file.Path realFolder(String file) {
        try {
            return java.nio.file.Path.of(file).toRealPath().getParent();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private ControlPlaneSimulator cp;
    private CamFlux engine;
    private Scheduler thread;
    private LeaseFence fence;
    private LeaseKeeper keeper;
    private final Map<String, List<Long>> published = new ConcurrentHashMap<>();
    private final List<LeaseTag> tags = new CopyOnWriteArrayList<>();
    private final List<CameraStatus> statuses = new CopyOnWriteArrayList<>();
    private Disposable subscriptions;

    @BeforeEach
    void start() throws Exception {
        cp = new ControlPlaneSimulator(TOKEN, 6);
        cp.addShard("shard-1", ControlPlaneSimulator.sources("a", CLIP, "b", CLIP));
        engine = EngineParts.streamOpener(CamFlux.builder(TestConfigs.shard(6, 8, List.of())), SyntheticStreams.opener(25 * 600, 40_000, 0))
                .detector(FakeDetectors.fixedCost(0)).build();
        fence = new LeaseFence(System::nanoTime);
        Disposable d = engine.detections().subscribe(e -> {
            LeaseTag tag = fence.admit(e.cameraUuid());
            if (tag != null) {
                tags.add(tag);
                published.computeIfAbsent(e.cameraUuid(), k -> new CopyOnWriteArrayList<>()).add(e.frameId());
            }
        });
        Disposable s = engine.statuses().subscribe(statuses::add);
        subscriptions = reactor.core.Disposables.composite(d, s);
        thread = Schedulers.newSingle("test-lease");
    }

    private LeaseKeeper keeper(String token) {
        ControlPlaneConfig config = new ControlPlaneConfig(URI.create(cp.baseUrl()), null, 8, Duration.ofSeconds(2),
                Duration.ofMillis(200), Duration.ofSeconds(1));
        keeper = new LeaseKeeper(new ControlPlaneClient(config, token, new io.camflux.engine.config.ShardRules(8, MEDIA_ROOTS, false), engine.meterRegistry()), engine, config,
                "cpu", fence, thread, System::nanoTime, () -> 0.5);
        return keeper.start();
    }

    @AfterEach
    void stop() {
        if (keeper != null) {
            keeper.close();
        }
        subscriptions.dispose();
        engine.close();
        thread.dispose();
        cp.close();
    }

    @Test
    void acquiresRunsTheShardAndRenewsWithConformingReports() throws Exception {
        keeper(TOKEN);
        Await.until(() -> count("a") >= 6 && count("b") >= 6, 20, "both cameras of the lease publish");
        assertEquals(List.of("a", "b"), engine.cameras().stream().map(CameraView::cameraUuid).sorted().toList());
        assertTrue(tags.stream().allMatch(t -> t.equals(new LeaseTag("shard-1", 1))), "events carry shard and epoch");
        Await.until(() -> cp.reports().size() >= 3, 10, "three renewals (every ttl/3 = 2 s)");
        double perMinute = cp.renewalsPerMinute("runner-T");
        assertTrue(perMinute > 25 && perMinute < 35, "every ttl/3 = 2 s, 30 a minute: " + perMinute);
        JsonNode report = cp.reports().get(cp.reports().size() - 1);
        assertEquals("runner-T", report.path("runner_id").asText());
        assertEquals(1, report.path("epoch").asLong());
        assertEquals(2, report.path("cameras").size());
        assertEquals("STREAMING", report.path("cameras").get(0).path("state").asText());
        assertTrue(report.path("worker").path("pipeline_fps").asDouble() > 0, "a measured rate: " + report);
        assertEquals(List.of(), cp.violations(), "requests and answers conform to the OpenAPI file");
        assertEquals(1.0, engine.meterRegistry().get("cp.lease.state").gauge().value());
        assertTrue(engine.meterRegistry().get("cp.requests").tag("request", "renew").tag("result", "ok").counter()
                .count() >= 2);
        assertTrue(fence.held());
    }

    @Test
    void aShardUpdateInARenewalAddsAndRemovesACameraLeavingTheOtherAlone() throws Exception {
        keeper(TOKEN);
        Await.until(() -> count("a") >= 6 && count("b") >= 6, 20, "both cameras publish");
        cp.updateShard("shard-1", ControlPlaneSimulator.sources("a", CLIP, "c", CLIP));
        int aBefore = count("a");
        Await.until(() -> count("c") >= 3, 20, "the added camera publishes");
        assertEquals(List.of("a", "c"), engine.cameras().stream().map(CameraView::cameraUuid).sorted().toList());
        assertTrue(statuses.stream().anyMatch(s -> s.cameraUuid().equals("b") && s.state() == CameraState.DISCONNECTED
                && "removed".equals(s.reason())), "b removed by the update");
        Await.until(() -> count("a") > aBefore + 3, 10, "a goes on");
        List<Long> a = published.get("a");
        for (int i = 1; i < a.size(); i++) {
            assertTrue(a.get(i) > a.get(i - 1), "a was not restarted: its frame ids only go up");
        }
        assertEquals(List.of(), cp.violations());
    }

    @Test
    void renewalsFailingUntilTheMarginFenceTheShardThenItIsAcquiredAgain() throws Exception {
        keeper(TOKEN);
        Await.until(() -> count("a") >= 3, 20, "the lease's cameras publish");
        long failedAt = System.nanoTime();
        cp.failWith(500);
        Await.until(() -> !fence.held(), 10, "fenced");
        double fencedAfter = (System.nanoTime() - failedAt) / 1e9;
        // the last good renewal was sent at most ttl/3 = 2 s before the failures began: fence at ttl - 2 s = 4 s
        assertTrue(fencedAfter <= 4.5, "fenced before the control plane's deadline: " + fencedAfter + " s");
        assertNull(fence.admit("a"), "nothing is admitted once fenced");
        Await.until(() -> engine.cameras().isEmpty(), 10, "the shard's cameras stop");
        assertTrue(statuses.stream().anyMatch(s -> s.cameraUuid().equals("a") && s.state() == CameraState.DISCONNECTED
                && LeaseKeeper.LOST_REASON.equals(s.reason())), "DISCONNECTED with reason lease_lost");
        assertEquals(0.0, engine.meterRegistry().get("cp.lease.state").gauge().value());
        int published = tags.size();
        Thread.sleep(1000);
        assertEquals(published, tags.size(), "no event after the fence");
        cp.failWith(0);
        Await.until(() -> fence.held() && count("a") > 0 && tags.get(tags.size() - 1).epoch() == 2, 20,
                "acquired again with the next epoch");
    }

    @Test
    void aDrainReleasesTheLeaseAndTheShardIsFreeAtOnce() throws Exception {
        keeper(TOKEN);
        Await.until(fence::held, 10, "a lease");
        keeper.drain();
        keeper.release(Duration.ofSeconds(5));
        assertEquals(1, cp.releases().size());
        assertNull(cp.holder("shard-1"), "the shard is free");
        assertFalse(fence.held());
        assertEquals(2.0, engine.meterRegistry().get("cp.lease.state").gauge().value());
    }

    @Test
    void aWrongTokenIsRefusedWithTheControlPlanesAnswer() {
        ControlPlaneConfig config = new ControlPlaneConfig(URI.create(cp.baseUrl()), null, 8, Duration.ofSeconds(2),
                Duration.ofMillis(200), Duration.ofSeconds(1));
        ControlPlaneClient client = new ControlPlaneClient(config, "wrong", new io.camflux.engine.config.ShardRules(8, MEDIA_ROOTS, false), engine.meterRegistry());
        ControlPlaneException e = assertThrows(ControlPlaneException.class,
                () -> client.acquire(ControlPlaneClient.JSON.createObjectNode()).block());
        assertEquals(ControlPlaneException.Kind.REFUSED, e.kind());
        assertTrue(e.getMessage().contains("401") && e.getMessage().contains("invalid token")
                && e.getMessage().contains(ControlPlaneConfig.TOKEN_ENV), e.getMessage());
        assertFalse(e.getMessage().contains("wrong"), "the token is never in a message");
        assertEquals(1.0, engine.meterRegistry().get("cp.requests").tag("result", "refused").counter().count());
    }

    @Test
    void garbageAndSilenceAreErrorsToRetryNotCrashes() throws Exception {
        ControlPlaneConfig config = new ControlPlaneConfig(URI.create(cp.baseUrl()), null, 8, Duration.ofSeconds(2),
                Duration.ofMillis(200), Duration.ofSeconds(1));
        ControlPlaneClient client = new ControlPlaneClient(config, TOKEN, new io.camflux.engine.config.ShardRules(8, MEDIA_ROOTS, false), engine.meterRegistry());
        cp.answerGarbage(true);
        ControlPlaneException e = assertThrows(ControlPlaneException.class,
                () -> client.acquire(ControlPlaneClient.JSON.createObjectNode()).block());
        assertEquals(ControlPlaneException.Kind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("<html>proxy error</html>"), e.getMessage());
        cp.answerGarbage(false);
        int port = URI.create(cp.baseUrl()).getPort();
        cp.close();
        ControlPlaneClient gone = new ControlPlaneClient(new ControlPlaneConfig(
                URI.create("http://127.0.0.1:" + port + "/api"), null, 8, Duration.ofSeconds(2), Duration.ofMillis(200),
                Duration.ofSeconds(1)), TOKEN, new io.camflux.engine.config.ShardRules(8, MEDIA_ROOTS, false), engine.meterRegistry());
        ControlPlaneException away = assertThrows(ControlPlaneException.class,
                () -> gone.acquire(ControlPlaneClient.JSON.createObjectNode()).block());
        assertEquals(ControlPlaneException.Kind.UNAVAILABLE, away.kind());
        assertTrue(away.getMessage().contains("no answer"), away.getMessage());
        cp = new ControlPlaneSimulator(TOKEN, 6);
    }

    private int count(String camera) {
        List<Long> ids = published.get(camera);
        return ids == null ? 0 : ids.size();
    }

}
