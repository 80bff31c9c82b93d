package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.EtcdCluster;
import io.camflux.engine.testing.Ports;
import io.camflux.engine.testing.RabbitBroker;
import io.camflux.engine.testing.WorkerJar;
import io.camflux.model.TestAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fleet on etcd with real processes: a 3-member etcd cluster (Debian's etcd-server), 3 workers from the jar,
 * RabbitMQ, 10 shards of one looping file camera each, put with the shards CLI. In order, on one fleet: every shard
 * held once and spread evenly; a changed shard applied live; kill -9 of a worker; SIGSTOP past the ttl; one etcd
 * member down; quorum lost and back; a rolling restart with drain. Figures are printed as ETCD-FLEET lines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdFleetIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 8 s: beside two busy loops on this 2-core machine, a keep-alive starved for 2 s fenced a worker at 5 s. */
    private static final int TTL = 8;
    private static final int SHARDS = 10;
    private static final Pattern PUBLISHED = Pattern.compile("(\\d+) detection events");
    private static final Pattern LOST = Pattern.compile("camflux: (\\d+) events were lost");

    private EtcdCluster etcd;
    private EtcdClient client;
    private final EtcdKeys keys = new EtcdKeys("/it-fleet");
    private RabbitBroker broker;
    private RabbitBroker.Consumer consumer;
    private Path dir;
    private final List<Worker> workers = new ArrayList<>();
    private int started;

    private final class Worker {
        final String name;
        final Process process;
        final Path log;
        final int metricsPort;

        Worker(String name) throws IOException {
            this.name = name;
            this.metricsPort = Ports.free();
            ObjectNode config = JSON.createObjectNode();
            config.put("runner_id", name);
            config.put("max_fps", 1);
            config.putObject("amqp").put("host", "127.0.0.1").put("port", broker.port());
            ObjectNode e = config.putObject("coordination").putObject("etcd");
            etcd.endpoints().forEach(u -> e.withArray("endpoints").add(u.toString()));
            e.put("prefix", keys.prefix()).put("ttl_seconds", TTL).put("timeout_ms", 1000)
                    .put("rescan_interval_ms", 1000).put("max_cameras", 8);
            config.putArray("allowed_file_roots").add(mediaDir().toString());
            config.putObject("http").put("host", "127.0.0.1").put("port", Ports.free())
                    .put("metrics_port", metricsPort).put("drain_grace_seconds", 20);
            config.putObject("model").put("path", "yolox_nano").put("provider", "cpu").put("threads", 1);
            config.putObject("batch").put("max_size", 4).put("max_wait_ms", 50);
            Path file = dir.resolve(name + ".json");
            Files.writeString(file, config.toPrettyString());
            log = dir.resolve(name + ".log");
            process = WorkerJar.command(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"), file)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            workers.add(this);
        }

        String output() throws IOException {
            return Files.readString(log);
        }

        /** Whether the worker inherited SIGHUP as ignored: bit 0 of SigIgn in /proc/PID/status is signal 1. */
        boolean startedWithHangUpIgnored() throws IOException {
            String mask = Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")).stream()
                    .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).trim();
            return (Long.parseUnsignedLong(mask, 16) & 1L) != 0;
        }

        void signal(String sig) throws Exception {
            new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start().waitFor();
        }

        /** events_lost_total now, every reason together (fenced events of earlier steps included). */
        long lost() throws Exception {
            return (long) metric("events_lost_total");
        }

        /** A metric's value from /metrics, its series added up. */
        double metric(String name) throws Exception {
            String text = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            return text.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        }
    }

    private record Event(String camera, String runner, String shard, long epoch, long receivedNanos) {
    }

    private static Path mediaDir() {
        return TestAssets.media("cam1.mp4").toAbsolutePath().getParent();
    }

    @BeforeAll
    void startFleet() throws Exception {
        assertTrue(Files.isRegularFile(WorkerJar.JAR), "the runnable jar is built first: " + WorkerJar.JAR);
        dir = Files.createTempDirectory("camflux-etcd-fleet");
        etcd = EtcdCluster.start(3);
        client = new EtcdClient(etcd.endpoints(), Duration.ofSeconds(3), null);
        broker = RabbitBroker.start();
        consumer = broker.consume("detections.topic", "status.topic");
        for (int i = 1; i <= SHARDS; i++) {
            Path shard = writeShard("s-" + i, List.of("c-" + i), List.of("cam" + ((i - 1) % 4 + 1) + ".mp4"));
            Cli put = cli("put", "s-" + i, shard.toString());
            assertEquals(0, put.rc, put.output);
            assertTrue(put.output.contains("added shard s-" + i), put.output);
        }
        for (int i = 0; i < 3; i++) {
            new Worker("w" + ++started);
        }
    }

    @AfterAll
    void stopFleet() throws Exception {
        WorkerJar.killAll(workers.stream().map(w -> w.process).toList());
        io.camflux.engine.testing.Resources.closeAll(consumer, broker, etcd);
    }

    @Test
    @Order(1)
    void everyShardIsHeldOnceSpreadEvenlyAndItsEventsCarryTheOwnerKeysRevision() throws Exception {
        Await.until(() -> state().workers().size() == 3 && state().owners().size() == SHARDS
                && spread(state()) <= 1, 120, "every shard held, spread evenly over the 3 workers");
        // spread evenly is not yet settled: a handover decided a moment before can still move a shard (seen beside
        // two busy loops), so the owners must also stay the same for a while
        EtcdKeys.State[] last = {state()};
        Await.until(() -> {
            Thread.sleep(3_000);
            EtcdKeys.State now = state();
            boolean same = epochs(now).equals(epochs(last[0])) && now.owners().size() == SHARDS;
            last[0] = now;
            return same;
        }, 60, "the same owners for 3 s");
        EtcdKeys.State held = last[0];
        long since = System.nanoTime();
        Await.until(() -> cameras(events(since)) == SHARDS, 60, "every camera's events");
        assertEquals(epochs(held), epochs(state()), "no shard moved while the events were counted");
        for (Event e : events(since)) {
            EtcdClient.KeyValue owner = held.owners().get(e.shard);
            if (e.epoch < owner.createRevision()) {
                continue; // a previous holder's last events (handed over while the workers spread), delivered late
            }
            assertEquals("s-" + e.camera.substring(2), e.shard, "the camera's shard on " + e);
            assertEquals(owner.createRevision(), e.epoch, "the owner key's create revision is the epoch: " + e);
            assertEquals(held.holder(e.shard), e.runner, "published by the holder: " + e);
        }
        Cli ls = cli("ls");
        assertEquals(0, ls.rc, ls.output);
        for (int i = 1; i <= SHARDS; i++) {
            String shard = "s-" + i;
            assertTrue(ls.output.lines().anyMatch(l -> l.startsWith(shard + " ") && l.contains(held.holder(shard))
                    && l.contains(Long.toString(held.owners().get(shard).createRevision()))), ls.output);
        }
        assertTrue(ls.output.contains("10 shard(s), 10 held"), ls.output);
        Worker any = workers.get(0);
        any.signal("HUP");
        if (any.startedWithHangUpIgnored()) { // the suite runs under nohup: the JVM installs no handler, and says so
            Await.until(() -> any.output().contains("SIGHUP was ignored when this process started"), 10,
                    "the inherited SIGHUP disposition logged");
        } else {
            Await.until(() -> any.output().contains("SIGHUP ignored"), 10, "SIGHUP logged");
        }
        assertTrue(any.process.isAlive(), "SIGHUP does not end a fleet worker");
        System.out.printf(Locale.ROOT, "ETCD-FLEET spread over %d workers: %s%n", workers.size(), loads(state()));
    }

    @Test
    @Order(2)
    void aChangedShardIsAppliedLiveByItsHolder() throws Exception {
        EtcdKeys.State before = state();
        String holder = before.holder("s-1");
        int connects = statusCount("c-1", "CONNECTING");
        long updated = System.nanoTime();
        Cli put = cli("put", "s-1", writeShard("s-1", List.of("c-1", "c-11"), List.of("cam1.mp4", "cam2.mp4"))
                .toString());
        assertEquals(0, put.rc, put.output);
        assertTrue(put.output.contains("updated shard s-1") && put.output.contains("held by " + holder), put.output);
        Await.until(() -> events(updated).stream().anyMatch(e -> e.camera.equals("c-11")), 30, "the added camera");
        Event first = events(updated).stream().filter(e -> e.camera.equals("c-11")).findFirst().orElseThrow();
        assertEquals(holder, first.runner, "the holder applied it");
        assertEquals(before.owners().get("s-1").createRevision(), first.epoch, "under the same epoch");
        assertEquals(connects, statusCount("c-1", "CONNECTING"), "c-1 did not reconnect");
        System.out.printf(Locale.ROOT, "ETCD-FLEET shards put of a changed shard to the new camera's first event:"
                + " %.2f s%n", (first.receivedNanos - updated) / 1e9);

        String from = state().holder("s-2");
        long epoch = state().owners().get("s-2").createRevision();
        long asked = System.nanoTime();
        Cli move = cli("move", "s-2");
        assertEquals(0, move.rc, move.output);
        EtcdKeys.State moved = state();
        String to = moved.holder("s-2");
        assertTrue(to != null && !to.equals(from), move.output);
        assertTrue(move.output.contains("shard s-2 moved from " + from + " to " + to), move.output);
        Await.until(() -> events(asked).stream().anyMatch(e -> e.camera.equals("c-2") && e.runner.equals(to)
                && e.epoch > epoch), 30, "c-2's events from its new holder");
        Event after = events(asked).stream().filter(e -> e.camera.equals("c-2") && e.runner.equals(to)).findFirst()
                .orElseThrow();
        System.out.printf(Locale.ROOT, "ETCD-FLEET shards move to the new holder's first event: %.2f s%n",
                (after.receivedNanos - asked) / 1e9);
    }

    @Test
    @Order(3)
    void killingAWorkerMovesItsShardsWithinTheTtlAndTwoSeconds() throws Exception {
        EtcdKeys.State before = state();
        Worker victim = workers.stream().filter(w -> w.process.isAlive() && load(before, w.name) > 0)
                .findFirst().orElseThrow();
        List<String> its = shardsOf(before, victim.name);
        long killed = System.nanoTime();
        victim.process.destroyForcibly();
        Map<String, Double> moved = new HashMap<>();
        while (moved.size() < its.size() && System.nanoTime() - killed < (TTL + 15) * 1_000_000_000L) {
            EtcdKeys.State now = state();
            for (String s : its) {
                EtcdClient.KeyValue o = now.owners().get(s);
                if (o != null && o.createRevision() != before.owners().get(s).createRevision()) {
                    moved.putIfAbsent(s, (System.nanoTime() - killed) / 1e9);
                }
            }
            Thread.sleep(50);
        }
        assertEquals(its.size(), moved.size(), "every shard of the killed worker moved: " + moved);
        double worst = moved.values().stream().mapToDouble(d -> d).max().orElseThrow();
        System.out.printf(Locale.ROOT, "ETCD-FLEET kill -9 of a worker holding %d shards to each held again: worst"
                + " %.2f s (%s), ttl %d s%n", its.size(), worst, moved, TTL);
        assertTrue(worst <= TTL + 2.0, "within ttl + 2 s: " + moved);
        Await.until(() -> its.stream().allMatch(s -> events(killed).stream().anyMatch(e -> e.shard.equals(s))), 30,
                "the moved shards publish again");
        new Worker("w" + ++started);
    }

    @Test
    @Order(4)
    void aStoppedWorkerPublishesNothingOfItsOldEpochAfterTheNewHoldersFirst() throws Exception {
        Await.until(() -> state().owners().size() == SHARDS, 60, "every shard held");
        EtcdKeys.State before = state();
        Worker stopped = workers.stream().filter(w -> w.process.isAlive() && load(before, w.name) > 0)
                .findFirst().orElseThrow();
        List<String> its = shardsOf(before, stopped.name);
        stopped.signal("STOP");
        long at = System.nanoTime();
        Await.until(() -> its.stream().allMatch(s -> {
            EtcdClient.KeyValue o = state().owners().get(s);
            return o != null && o.createRevision() != before.owners().get(s).createRevision();
        }), TTL + 15, "its shards held by others");
        Map<String, Long> oldEpochs = new HashMap<>();
        its.forEach(s -> oldEpochs.put(s, before.owners().get(s).createRevision()));
        Await.until(() -> its.stream().allMatch(s -> events(at).stream()
                .anyMatch(e -> e.shard.equals(s) && e.epoch > oldEpochs.get(s))), 30, "the new holders' events");
        stopped.signal("CONT");
        Await.until(() -> stopped.output().contains("fenced") || stopped.output().contains("is gone"), 20,
                "the continued worker knows its session ended");
        Thread.sleep(3000);
        long overlaps = 0;
        for (String s : its) {
            long stale = oldEpochs.get(s);
            List<Event> all = events(0);
            long firstNew = all.stream().filter(e -> e.shard.equals(s) && e.epoch > stale)
                    .mapToLong(Event::receivedNanos).min().orElseThrow();
            overlaps += all.stream().filter(e -> e.shard.equals(s) && e.epoch <= stale && e.receivedNanos > firstNew)
                    .count();
        }
        System.out.printf(Locale.ROOT, "ETCD-FLEET SIGSTOP past the ttl: old-epoch events after the new holder's"
                + " first: %d (%d shards)%n", overlaps, its.size());
        assertEquals(0, overlaps, "no event of the stale holder after the new holder began");
    }

    @Test
    @Order(5)
    void oneEtcdMemberDownMovesNothingFollowerOrLeader() throws Exception {
        // the workers that joined in the last steps take their share first: a move that spreads the shards is not
        // one the member's outage caused
        Await.until(() -> state().owners().size() == SHARDS && spread(state()) <= 1, 90,
                "every shard held, spread evenly over the live workers");
        memberDownMovesNothing("follower", etcd.aFollower());
        Await.until(() -> state().owners().size() == SHARDS, 30, "every shard held, the follower back");
        memberDownMovesNothing("leader", etcd.theLeader());
    }

    private void memberDownMovesNothing(String role, int member) throws Exception {
        Map<String, Long> epochs = steadyEpochs();
        Map<Worker, Integer> logFrom = new HashMap<>();
        for (Worker w : workers) {
            logFrom.put(w, w.output().length());
        }
        etcd.stopMember(member);
        long down = System.nanoTime();
        Thread.sleep(2L * TTL * 1000);
        Map<String, Long> now = epochs(state());
        List<Event> during = events(down + TTL * 1_000_000_000L);
        etcd.startMember(member);
        List<String> moved = epochs.keySet().stream().filter(id -> !epochs.get(id).equals(now.get(id))).sorted()
                .toList();
        List<String> fenced = new ArrayList<>();
        long retried = 0;
        for (Worker w : workers) {
            if (w.process.isAlive()) {
                List<String> lines = w.output().substring(logFrom.get(w)).lines().toList();
                lines.stream().filter(l -> l.contains("fenced")).forEach(l -> fenced.add(w.name + ": " + l));
                retried += lines.stream().filter(l -> l.contains("keep-alive of lease")).count();
            }
        }
        System.out.printf(Locale.ROOT, "ETCD-FLEET the etcd %s (1 of 3 members) down for %d s: shards moved %d of"
                + " %d, workers fenced %d, keep-alives retried %d%n", role, 2 * TTL, moved.size(), SHARDS,
                fenced.size(), retried);
        assertEquals(List.of(), fenced, "no worker fenced with the " + role + " down");
        assertEquals(List.of(), moved, "no shard moved with the " + role + " down");
        assertEquals(SHARDS, cameras(during), "every camera publishing with the " + role + " down");
    }

    /** The shards' epochs once none has changed for two rescans (a give-back in flight lands first). */
    private Map<String, Long> steadyEpochs() throws InterruptedException {
        Map<String, Long> last = epochs(state());
        for (int quiet = 0; quiet < 4; ) {
            Thread.sleep(500);
            Map<String, Long> now = epochs(state());
            quiet = now.equals(last) && now.size() == SHARDS ? quiet + 1 : 0;
            last = now;
        }
        return last;
    }

    @Test
    @Order(6)
    void quorumLostEveryWorkerFencesBeforeItsTtlThenTheFleetRecovers() throws Exception {
        Await.until(() -> state().owners().size() == SHARDS, 60, "every shard held (the member back)");
        Thread.sleep(2000); // member 1 caught up with the others
        List<Worker> live = workers.stream().filter(w -> w.process.isAlive()).toList();
        for (Worker w : live) {
            assertTrue(w.metric("cp_shards_held") > 0, w.name + " holds shards before");
        }
        etcd.stopMember(2);
        etcd.stopMember(3);
        long lost = System.nanoTime();
        // every worker fences a margin before its ttl, counted from its last keep-alive before the loss
        Thread.sleep(TTL * 1000L);
        for (Worker w : live) {
            assertEquals(0.0, w.metric("cp_shards_held"), w.name + " holds nothing once the ttl is up: " + tail(w));
            assertTrue(w.output().contains("fenced"), w.name + " says it fenced: " + tail(w));
        }
        long quietFrom = System.nanoTime();
        Thread.sleep(3000);
        List<Event> late = events(quietFrom);
        System.out.printf(Locale.ROOT, "ETCD-FLEET quorum lost: %d of %d workers fenced within the ttl; events in the"
                + " 3 s after the ttl: %d%n", live.size(), live.size(), late.size());
        assertEquals(List.of(), late, "nothing published once every worker fenced");
        etcd.startMember(2);
        etcd.startMember(3);
        long back = System.nanoTime();
        Await.until(() -> state().owners().size() == SHARDS && cameras(events(back)) == SHARDS, 90,
                "every shard held and publishing again");
        System.out.printf(Locale.ROOT, "ETCD-FLEET quorum back to every camera publishing again: %.2f s%n",
                (System.nanoTime() - back) / 1e9);
        assertTrue((back - lost) > 0);
    }

    @Test
    @Order(7)
    void aRollingRestartWithDrainLosesNoEvent() throws Exception {
        Await.until(() -> spread(state()) <= 1 && state().owners().size() == SHARDS, 60, "settled");
        List<Worker> generation = workers.stream().filter(w -> w.process.isAlive()).toList();
        long published = 0;
        long received = 0;
        long lostInDrains = 0;
        for (Worker w : generation) {
            long lostBefore = w.lost();
            w.signal("TERM");
            assertTrue(w.process.waitFor(60, TimeUnit.SECONDS), w.name + " drained");
            String out = w.output();
            Matcher lost = LOST.matcher(out);
            long lostAtExit = lost.find() ? Long.parseLong(lost.group(1)) : 0;
            // exit 3 only for events fenced in the earlier steps (quorum lost, SIGSTOP), none in the drain
            assertEquals(lostAtExit > 0 ? 3 : 0, w.process.exitValue(), tail(w));
            assertEquals(lostBefore, lostAtExit, w.name + ": no event lost in the drain: " + tail(w));
            lostInDrains += lostAtExit - lostBefore;
            assertTrue(out.contains("every event was confirmed by the broker"), tail(w));
            Matcher m = PUBLISHED.matcher(out);
            assertTrue(m.find(), tail(w));
            long its = Long.parseLong(m.group(1));
            Thread.sleep(500); // the consumer's deliveries of the last confirmed events
            long got = events(0).stream().filter(e -> e.runner.equals(w.name)).count();
            published += its;
            received += got;
            assertTrue(got >= its, w.name + " published " + its + " events, the broker delivered " + got);
            Worker next = new Worker("w" + ++started);
            Await.until(() -> next.output().contains("session lease") && state().owners().size() == SHARDS, 90,
                    "the replacement runs and every shard is held");
        }
        Await.until(() -> spread(state()) <= 1, 60, "spread again");
        System.out.printf(Locale.ROOT, "ETCD-FLEET rolling restart of %d workers with drain: %d events published by"
                + " the drained workers, %d delivered, lost in the drains %d%n", generation.size(), published,
                received, lostInDrains);
    }

    // ---- helpers

    private record Cli(int rc, String output) {
    }

    private Cli cli(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", WorkerJar.JAR.toString(), "shards", "--etcd", etcd.endpointList(), "--prefix",
                keys.prefix()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Cli(p.exitValue(), out);
    }

    private Path writeShard(String id, List<String> cameras, List<String> clips) throws IOException {
        ObjectNode shard = JSON.createObjectNode();
        ArrayNode sources = shard.putArray("sources");
        for (int i = 0; i < cameras.size(); i++) {
            sources.addObject().put("camera_uuid", cameras.get(i)).put("url", mediaDir().resolve(clips.get(i))
                    .toString()).put("loop", true).put("site_id", "site-E").put("tenant_id", "tenant-E");
        }
        Path file = dir.resolve(id + "-" + System.nanoTime() + ".json");
        Files.writeString(file, shard.toString());
        return file;
    }

    /** The fleet's keys as etcd has them now (through the endpoints in turn while a member is down). */
    private EtcdKeys.State state() {
        for (int attempt = 1; ; attempt++) {
            try {
                return EtcdKeys.State.of(keys, client.range(keys.root()).block());
            } catch (EtcdClient.EtcdException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static int load(EtcdKeys.State s, String runner) {
        return shardsOf(s, runner).size();
    }

    private static List<String> shardsOf(EtcdKeys.State s, String runner) {
        return s.owners().keySet().stream().filter(id -> runner.equals(s.holder(id))).toList();
    }

    private Map<String, Integer> loads(EtcdKeys.State s) {
        Map<String, Integer> out = new HashMap<>();
        s.workers().keySet().forEach(w -> out.put(w, load(s, w)));
        return out;
    }

    private int spread(EtcdKeys.State s) {
        Map<String, Integer> l = loads(s);
        return l.isEmpty() ? Integer.MAX_VALUE : l.values().stream().mapToInt(i -> i).max().orElseThrow()
                - l.values().stream().mapToInt(i -> i).min().orElseThrow();
    }

    private static Map<String, Long> epochs(EtcdKeys.State s) {
        Map<String, Long> out = new HashMap<>();
        s.owners().forEach((id, kv) -> out.put(id, kv.createRevision()));
        return out;
    }

    private static int cameras(List<Event> events) {
        return (int) events.stream().map(Event::camera).filter(c -> !c.equals("c-11")).distinct().count();
    }

    private List<Event> events(long sinceNanos) {
        List<Event> out = new ArrayList<>();
        for (RabbitBroker.Message m : consumer.detections()) {
            if (m.receivedNanos() >= sinceNanos) {
                JsonNode n = read(m.body());
                out.add(new Event(n.path("camera_uuid").asText(), n.path("runner_id").asText(),
                        n.path("shard_id").asText(), n.path("lease_epoch").asLong(), m.receivedNanos()));
            }
        }
        return out;
    }

    private int statusCount(String camera, String state) {
        return (int) consumer.received.stream().filter(m -> m.routingKey().startsWith("stream.")).map(m -> read(m.body()))
                .filter(s -> s.path("camera_uuid").asText().equals(camera) && s.path("state").asText().equals(state)
                        && !s.path("summary").asBoolean()).count();
    }

    private static String tail(Worker w) throws IOException {
        String out = w.output();
        return out.substring(Math.max(0, out.length() - 3000));
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }
}
