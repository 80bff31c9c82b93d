package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.RabbitBroker;
import io.camflux.engine.testing.WorkerJar;
import io.camflux.model.TestAssets;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A fleet of real worker processes (the runnable jar) under the simulated control plane, RabbitMQ from the
 * distribution, two shards of two looping cameras each (docs/control-plane.md, "Tests with real processes"). The
 * steps run in order on one fleet: each shard held by one worker; a shard update; kill -9; a partition (SIGSTOP)
 * with the overlap counted on the broker's queue; a drain; a control plane answering 500; a wrong token. The
 * figures (gaps, overlaps, renewals per minute, update to first event) are printed as FLEET lines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "fleet-token";
    private static final int TTL = 6;

    private RabbitBroker broker;
    private RabbitBroker.Consumer consumer;
    private ControlPlaneSimulator cp;
    private Path dir;
    private final List<Worker> workers = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    /** One worker process and its ports. */
    private final class Worker {
        final String name;
        final int port;
        final Process process;
        final Path log;

        Worker(String name, String token) throws IOException {
            this.name = name;
            this.port = io.camflux.engine.testing.Ports.free();
            int metrics = io.camflux.engine.testing.Ports.free();
            ObjectNode config = JSON.createObjectNode();
            config.put("runner_id", name);
            config.put("max_fps", 2);
            config.putObject("amqp").put("host", "127.0.0.1").put("port", broker.port());
            config.putObject("cp").put("base_url", cp.baseUrl()).put("acquire_interval_ms", 500)
                    .put("acquire_max_interval_ms", 1000).put("timeout_ms", 2000);
            config.putObject("http").put("host", "127.0.0.1").put("port", port).put("metrics_port", metrics)
                    .put("drain_grace_seconds", 10);
            config.putObject("model").put("path", "yolox_nano").put("provider", "cpu").put("threads", 1);
            config.putObject("batch").put("max_size", 4).put("max_wait_ms", 50);
            // the shards name the recorded clips: the worker allows their folder, and nothing else on the host
            config.putArray("allowed_file_roots").add(TestAssets.media("cam1.mp4").toAbsolutePath().getParent()
                    .toString());
            Path file = dir.resolve(name + ".json");
            Files.writeString(file, config.toPrettyString());
            log = dir.resolve(name + ".log");
            ProcessBuilder pb = WorkerJar.command(List.of("-Xmx512m"), file)
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("CAMFLUX_CP_TOKEN", token);
            process = pb.start();
            workers.add(this);
        }

        String output() throws IOException {
            return Files.readString(log);
        }

        void signal(String sig) throws Exception {
            new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start().waitFor();
        }

        int get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }

        int post(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }

    /** A detection event as the broker delivered it. */
    private record Event(String camera, String runner, String shard, long epoch, long frameId, long receivedNanos) {
    }

    @BeforeAll
    void startFleet() throws Exception {
        assertTrue(Files.isRegularFile(WorkerJar.JAR),
                "the runnable jar is built before the integration tests: " + WorkerJar.JAR);
        dir = Files.createTempDirectory("camflux-fleet");
        broker = RabbitBroker.start();
        consumer = broker.consume("detections.topic", "status.topic");
        cp = new ControlPlaneSimulator(TOKEN, TTL);
        cp.addShard("shard-A", sources("cam-1", "cam1.mp4", "cam-2", "cam2.mp4"));
        cp.addShard("shard-B", sources("cam-3", "cam3.mp4", "cam-4", "cam4.mp4"));
        for (int i = 1; i <= 3; i++) {
            new Worker("w" + i, TOKEN);
        }
    }

    @AfterAll
    void stopFleet() throws Exception {
        WorkerJar.killAll(workers.stream().map(w -> w.process).toList());
        io.camflux.engine.testing.Resources.closeAll(consumer, broker, cp);
    }

    private static List<ObjectNode> sources(String... pairs) {
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.add(ControlPlaneSimulator.source(pairs[i], TestAssets.media(pairs[i + 1]).toString()));
        }
        return out;
    }

    @Test
    @Order(1)
    void eachShardIsHeldByExactlyOneWorkerAndItsEventsCarryTheEpoch() throws Exception {
        Await.until(() -> cp.holder("shard-A") != null && cp.holder("shard-B") != null, 90, "both shards held");
        assertNotEquals(cp.holder("shard-A"), cp.holder("shard-B"), "two workers, one shard each");
        long since = System.nanoTime();
        Await.until(() -> List.of("cam-1", "cam-2", "cam-3", "cam-4").stream()
                .allMatch(c -> events(since).stream().anyMatch(e -> e.camera.equals(c))), 60, "every camera's events");
        Map<String, String> runnerOf = new LinkedHashMap<>();
        for (Event e : events(since)) {
            String shard = e.camera.equals("cam-1") || e.camera.equals("cam-2") ? "shard-A" : "shard-B";
            assertEquals(shard, e.shard, "the lease's shard id on " + e);
            assertEquals(1, e.epoch, "epoch 1 on " + e);
            String before = runnerOf.putIfAbsent(e.camera, e.runner);
            assertTrue(before == null || before.equals(e.runner), "one runner per camera: " + e);
        }
        assertEquals(cp.holder("shard-A"), runnerOf.get("cam-1"));
        Worker standby = workers.stream().filter(w -> !w.name.equals(cp.holder("shard-A"))
                && !w.name.equals(cp.holder("shard-B"))).findFirst().orElseThrow();
        assertEquals(503, standby.get("/ready"), "no lease: not ready");
        Await.until(() -> standby.get("/ready?lease=optional") == 200, 10,
                "a healthy standby is ready to an orchestrator's rollout");
        Worker holderA = worker(cp.holder("shard-A"));
        // a looping file's camera is briefly not STREAMING at each end of file: ready within a few seconds
        Await.until(() -> holderA.get("/ready") == 200, 10, "the holder is ready");
        Await.until(() -> cp.reports().stream().filter(r -> r.path("runner_id").asText().equals(cp.holder("shard-A")))
                .count() >= 4, 20, "renewals");
        double perMinute = cp.renewalsPerMinute(cp.holder("shard-A"));
        System.out.printf(Locale.ROOT, "FLEET renewals per worker per minute: %.1f (ttl %d s)%n", perMinute, TTL);
        assertTrue(perMinute > 60.0 / TTL * 3 * 0.8 && perMinute < 60.0 / TTL * 3 * 1.2, "every ttl/3: " + perMinute);
        assertEquals(List.of(), cp.violations(), "every request and answer conforms to the OpenAPI file");
    }

    @Test
    @Order(2)
    void aShardUpdateInARenewalAddsAndRemovesACameraTheOthersUntouched() throws Exception {
        long updated = System.nanoTime();
        int connectsOfCam1 = statusCount("cam-1", "CONNECTING");
        cp.updateShard("shard-A", sources("cam-1", "cam1.mp4", "cam-5", "cam3.mp4"));
        Await.until(() -> events(updated).stream().anyMatch(e -> e.camera.equals("cam-5")), 30, "the added camera's event");
        Event first = events(updated).stream().filter(e -> e.camera.equals("cam-5")).findFirst().orElseThrow();
        System.out.printf(Locale.ROOT, "FLEET shard update to the new camera's first event: %.2f s%n",
                (first.receivedNanos - updated) / 1e9);
        Await.until(() -> statuses(updated).stream().anyMatch(s -> s.path("camera_uuid").asText().equals("cam-2")
                && s.path("state").asText().equals("DISCONNECTED") && s.path("reason").asText().equals("removed")),
                20, "cam-2 removed");
        assertEquals(connectsOfCam1, statusCount("cam-1", "CONNECTING"), "cam-1 did not reconnect");
        long lastCam1 = events(0).stream().filter(e -> e.camera.equals("cam-1") && e.receivedNanos < updated)
                .mapToLong(Event::frameId).max().orElseThrow();
        Await.until(() -> events(updated).stream().anyMatch(e -> e.camera.equals("cam-1")), 20, "cam-1 goes on");
        assertTrue(events(updated).stream().filter(e -> e.camera.equals("cam-1")).allMatch(e -> e.frameId > lastCam1),
                "cam-1's frame ids go on from where they were");
    }

    /** Kills in step 3 ({@code -Dfleet.kills=5} for the closing note's median and worst; bench/fleet/failover.sh). */
    private static final int KILLS = Integer.getInteger("fleet.kills", 1);
    private int replacements = 3;

    @Test
    @Order(3)
    void killingAHolderMovesItsShardWithinTheTtlAndAnAcquireInterval() throws Exception {
        List<Double> grantGaps = new ArrayList<>();
        List<Double> eventGaps = new ArrayList<>();
        for (int k = 0; k < KILLS; k++) {
            Worker holder = worker(cp.holder("shard-A"));
            long epoch = cp.grants().stream().filter(g -> g.shardId().equals("shard-A"))
                    .mapToLong(ControlPlaneSimulator.Grant::epoch).max().orElseThrow();
            int grantsBefore = cp.grants().size();
            long killed = cp.nowNanos();
            holder.process.destroyForcibly();
            holder.process.waitFor(10, TimeUnit.SECONDS);
            Await.until(() -> cp.grants().size() > grantsBefore, TTL + 10, "shard-A granted again");
            ControlPlaneSimulator.Grant next = cp.grants().get(grantsBefore);
            assertEquals("shard-A", next.shardId());
            assertEquals(epoch + 1, next.epoch(), "the next epoch");
            assertNotEquals(holder.name, next.runnerId());
            double gap = (next.atNanos() - killed) / 1e9;
            Await.until(() -> events(killed).stream().anyMatch(e -> e.shard.equals("shard-A") && e.epoch == next.epoch()),
                    30, "events of the new epoch");
            Event first = events(killed).stream().filter(e -> e.shard.equals("shard-A") && e.epoch == next.epoch())
                    .findFirst().orElseThrow();
            grantGaps.add(gap);
            eventGaps.add((first.receivedNanos - killed) / 1e9);
            assertTrue(gap <= TTL + 1.0 + 1.5, "within ttl + one acquire interval (+ slack): " + gap + " s");
            Worker replacement = new Worker("w" + (++replacements), TOKEN); // the orchestrator replaces the pod
            Await.until(() -> replacement.output().contains("health on"), 90, "the replacement runs");
        }
        System.out.printf(Locale.ROOT, "FLEET kill -9 to the next grant, %d kills: median %.2f s, worst %.2f s (%s)%n",
                KILLS, median(grantGaps), grantGaps.stream().mapToDouble(d -> d).max().orElseThrow(), grantGaps);
        System.out.printf(Locale.ROOT, "FLEET kill -9 to the new holder's first event: median %.2f s, worst %.2f s%n",
                median(eventGaps), eventGaps.stream().mapToDouble(d -> d).max().orElseThrow());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    @Test
    @Order(4)
    void aPartitionedHolderPublishesNothingOfItsOldEpochOnceTheNewHolderHasBegun() throws Exception {
        Await.until(() -> cp.holder("shard-B") != null, 10, "shard-B held");
        Worker holder = worker(cp.holder("shard-B"));
        int grantsBefore = cp.grants().size();
        holder.signal("STOP");
        Await.until(() -> cp.grants().size() > grantsBefore, TTL + 10, "shard-B granted to another worker");
        ControlPlaneSimulator.Grant next = cp.grants().get(grantsBefore);
        assertEquals("shard-B", next.shardId());
        long since = System.nanoTime();
        Await.until(() -> events(since).stream().anyMatch(e -> e.shard.equals("shard-B") && e.epoch == next.epoch()), 30,
                "the new holder's events");
        holder.signal("CONT");
        Thread.sleep(5000);
        List<Event> all = events(0);
        long firstNew = all.stream().filter(e -> e.shard.equals("shard-B") && e.epoch == next.epoch())
                .mapToLong(Event::receivedNanos).min().orElseThrow();
        long overlaps = all.stream().filter(e -> e.shard.equals("shard-B") && e.epoch < next.epoch()
                && e.receivedNanos > firstNew).count();
        System.out.printf(Locale.ROOT, "FLEET partition: old-epoch events after the new epoch's first: %d%n", overlaps);
        assertEquals(0, overlaps, "no event of the stale holder after the new holder began");
        Await.until(() -> holder.output().contains("fenced") || holder.output().contains("is lost"), 20,
                "the continued worker knows it lost the lease");
        Await.until(() -> statusesOf(holder.name).stream().anyMatch(s -> s.path("reason").asText().equals("lease_lost")),
                20, "its cameras go DISCONNECTED with reason lease_lost");
    }

    @Test
    @Order(5)
    void aDrainReleasesTheLeaseAndTheShardMovesAtOnce() throws Exception {
        Await.until(() -> cp.holder("shard-A") != null && cp.holder("shard-B") != null, 30, "both shards held");
        Worker holder = worker(cp.holder("shard-A"));
        int grantsBefore = cp.grants().size();
        long drained = cp.nowNanos();
        assertEquals(202, holder.post("/drain"));
        assertTrue(holder.process.waitFor(30, TimeUnit.SECONDS), "the drained worker exits");
        assertEquals(0, holder.process.exitValue());
        assertTrue(cp.releases().size() >= 1, "the lease was released");
        Await.until(() -> cp.grants().size() > grantsBefore, 10, "shard-A granted again");
        double gap = (cp.grants().get(grantsBefore).atNanos() - drained) / 1e9;
        System.out.printf(Locale.ROOT, "FLEET POST /drain to the next grant (the drain, release, acquire): %.2f s%n",
                gap);
        assertTrue(gap < TTL - 1, "at once, not after the lease's ttl: " + gap + " s");
    }

    @Test
    @Order(6)
    void aControlPlaneAnswering500StopsProcessingAtTheDeadlineAndItResumes() throws Exception {
        Await.until(() -> cp.holder("shard-A") != null && cp.holder("shard-B") != null, 30, "both shards held");
        cp.failWith(500);
        long failed = System.nanoTime();
        Thread.sleep(TTL * 1000L);
        long quietFrom = System.nanoTime();
        Thread.sleep(30_000 - TTL * 1000L);
        List<Event> during = events(quietFrom);
        assertEquals(List.of(), during, "nothing published from the deadline on");
        List<Event> before = events(failed).stream().filter(e -> e.receivedNanos < failed + 2_000_000_000L).toList();
        assertTrue(!before.isEmpty(), "processing went on at first");
        cp.failWith(0);
        long back = System.nanoTime();
        Await.until(() -> events(back).stream().map(Event::shard).distinct().count() == 2, 60, "both shards publish again");
        System.out.printf(Locale.ROOT, "FLEET control plane back to events of both shards: %.2f s%n",
                (events(back).stream().mapToLong(Event::receivedNanos).max().orElseThrow() - back) / 1e9);
    }

    @Test
    @Order(7)
    void aWrongTokenIsAClearErrorNamingTheControlPlanesAnswer() throws Exception {
        Worker wrong = new Worker("w-wrong", "not-the-token");
        Await.until(() -> wrong.output().contains("refused"), 60, "the refusal logged");
        String out = wrong.output();
        assertTrue(out.contains("401") && out.contains("invalid token") && out.contains("CAMFLUX_CP_TOKEN"), out);
        assertTrue(!out.contains("not-the-token"), "the token is never logged");
        assertTrue(wrong.process.isAlive(), "no crash");
        assertEquals(503, wrong.get("/ready"));
        wrong.process.destroy();
    }

    private Worker worker(String name) {
        return workers.stream().filter(w -> w.name.equals(name)).findFirst().orElseThrow();
    }

    private List<Event> events(long sinceNanos) {
        List<Event> out = new ArrayList<>();
        for (RabbitBroker.Message m : consumer.detections()) {
            if (m.receivedNanos() < sinceNanos) {
                continue;
            }
            JsonNode n = read(m.body());
            out.add(new Event(n.path("camera_uuid").asText(), n.path("runner_id").asText(),
                    n.path("shard_id").asText(), n.path("lease_epoch").asLong(), n.path("frame_id").asLong(),
                    m.receivedNanos()));
        }
        return out;
    }

    private List<JsonNode> statuses(long sinceNanos) {
        return consumer.received.stream().filter(m -> m.routingKey().startsWith("stream."))
                .filter(m -> m.receivedNanos() >= sinceNanos).map(m -> read(m.body())).toList();
    }

    private List<JsonNode> statusesOf(String runner) {
        return statuses(0).stream().filter(s -> s.path("runner_id").asText().equals(runner)).toList();
    }

    private int statusCount(String camera, String state) {
        return (int) statuses(0).stream().filter(s -> s.path("camera_uuid").asText().equals(camera)
                && s.path("state").asText().equals(state) && !s.path("summary").asBoolean()).count();
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }


}
