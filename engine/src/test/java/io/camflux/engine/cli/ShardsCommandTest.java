package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.fleet.EtcdClient;
import io.camflux.engine.fleet.EtcdKeys;
import io.camflux.engine.testing.EtcdCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code camflux shards} against a real etcd; the workers' side is in EtcdFleetIT. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardsCommandTest {
    private EtcdCluster etcd;
    @TempDir
    Path dir;

    private record Result(int rc, String out, String err) {
    }

    @BeforeAll
    void start() throws Exception {
        etcd = EtcdCluster.start(1);
    }

    @AfterAll
    void stop() throws Exception {
        etcd.close();
    }

    private Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 4];
        System.arraycopy(new String[] {"--etcd", etcd.endpointList(), "--prefix", "/cli"}, 0, all, 0, 4);
        System.arraycopy(args, 0, all, 4, args.length);
        int rc = ShardsCommand.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void putListsAndRemovesAShard() throws Exception {
        Path file = Files.writeString(dir.resolve("s.json"),
                "{\"sources\": [{\"camera_uuid\": \"c1\", \"url\": \"rtsp://cam.example/1\"}], \"max_fps\": 2}");
        Result put = run("put", "s-1", file.toString());
        assertEquals(0, put.rc, put.err);
        assertTrue(put.out.startsWith("added shard s-1 (1 camera(s)"), put.out);
        assertTrue(put.out.contains("waiting for a worker"), put.out);
        Result again = run("put", "s-1", file.toString());
        assertTrue(again.out.startsWith("updated shard s-1"), again.out);

        EtcdClient client = new EtcdClient(etcd.endpoints(), Duration.ofSeconds(3), null);
        long lease = client.grant(Duration.ofSeconds(30)).block();
        long epoch = client.createIfAbsent(new EtcdKeys("/cli").owner("s-1"),
                "{\"runner_id\": \"w9\", \"since\": \"2026-12-03T00:00:00Z\"}", lease).block();
        Result ls = run("ls");
        assertEquals(0, ls.rc, ls.err);
        assertTrue(ls.out.lines().anyMatch(l -> l.matches("s-1 +w9 +" + epoch + " +1  2026-12-03T00:00:00Z")), ls.out);
        assertTrue(ls.out.contains(" shard(s), 1 held"), ls.out);

        Result rm = run("rm", "s-1");
        assertEquals(0, rm.rc, rm.err);
        assertTrue(rm.out.contains("removed shard s-1 (held by w9: it stops its cameras)"), rm.out);
        assertEquals(1, run("rm", "s-1").rc, "no such shard any more");
        client.revoke(lease).block();
    }

    @Test
    void anInvalidShardIsRefusedWithEveryProblemNamed() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.json"),
                "{\"sources\": [{\"camera_uuid\": \"c.1\", \"url\": \"ftp://x/1\"}], \"max_fps\": 0, \"colour\": 1}");
        Result r = run("put", "bad", bad.toString());
        assertEquals(2, r.rc);
        assertTrue(r.err.contains("sources[0].url: unsupported scheme 'ftp'"), r.err);
        assertTrue(r.err.contains("sources[0].camera_uuid: 'c.1' is not a valid id"), r.err);
        assertTrue(r.err.contains("max_fps: must be > 0 and at most 1000, got 0.0"), r.err);
        assertTrue(r.err.contains("colour: unknown key"), r.err);
        assertEquals(2, run("put", "bad id", bad.toString()).rc, "an id that is not a routing word");
        assertEquals(2, run("frobnicate").rc);
        assertEquals(2, run("put", "x").rc, "put takes two arguments");
    }

    @Test
    void aMoveOfAShardNobodyHoldsSaysSo() throws Exception {
        Path file = Files.writeString(dir.resolve("m.json"), "{\"sources\": []}");
        assertEquals(0, run("put", "m-1", file.toString()).rc);
        Result r = run("move", "m-1");
        assertEquals(0, r.rc, r.err);
        assertTrue(r.out.contains("shard m-1 is not held by any worker: nothing to move"), r.out);
    }

    @Test
    void anUnreachableEtcdIsAnErrorNotAStackTrace() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ShardsCommand.run(new String[] {"--etcd", "http://127.0.0.1:1", "ls"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("camflux shards: etcd range at http://127.0.0.1:1:"
                + " no answer"), err.toString(StandardCharsets.UTF_8));
    }
}
