package io.camflux.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** coordination.etcd, allowed_file_roots, and what a leased shard may name. */
class FleetConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ShardConfig parse(String json) {
        return ConfigLoader.parse(json, "fleet.json", dir);
    }

    private List<String> problems(String json) {
        return assertThrows(ConfigException.class, () -> parse(json)).problems();
    }

    @Test
    void anEtcdBlockWithDefaults() {
        ShardConfig c = parse("""
                {"runner_id": "w1", "max_sources": 32,
                 "coordination": {"etcd": {"endpoints": ["http://10.0.0.1:2379/", "http://10.0.0.2:2379"]}}}""");
        EtcdConfig etcd = c.fleet().etcd();
        assertEquals(List.of(URI.create("http://10.0.0.1:2379"), URI.create("http://10.0.0.2:2379")), etcd.endpoints());
        assertEquals("/camflux", etcd.prefix());
        assertEquals(Duration.ofSeconds(10), etcd.ttl());
        assertEquals(32, etcd.maxCameras(), "max_sources by default");
        assertEquals(Duration.ofMillis(2000), etcd.requestTimeout());
        assertTrue(c.leased());
        assertNull(c.cp());
        assertEquals(List.of(), c.sources());
    }

    @Test
    void everyEtcdProblemIsNamedByItsPath() {
        List<String> p = problems("""
                {"coordination": {"etcd": {"endpoints": ["https://h:2379", "http://h"], "prefix": "camflux/",
                 "ttl_seconds": 0, "max_cameras": 999, "timeout_ms": 9000, "colour": 1}, "zookeeper": {}}}""");
        assertTrue(p.contains("coordination.etcd.endpoints[0]: must be http://HOST:PORT, got 'https://h:2379'"),
                p.toString());
        assertTrue(p.contains("coordination.etcd.endpoints[1]: must be http://HOST:PORT, got 'http://h'"), p.toString());
        assertTrue(p.contains("coordination.etcd.prefix: must start with / and not end with one, e.g. /camflux, got"
                + " 'camflux/'"), p.toString());
        assertTrue(p.contains("coordination.etcd.ttl_seconds: must be 3..3600, got 0"), p.toString());
        assertTrue(p.contains("coordination.etcd.max_cameras: 999 is more than max_sources (256)"), p.toString());
        assertTrue(p.stream().anyMatch(x -> x.startsWith("coordination.etcd.colour")), p.toString());
        assertTrue(p.stream().anyMatch(x -> x.startsWith("coordination.zookeeper")), p.toString());
        assertTrue(problems("{\"coordination\": {\"etcd\": {\"endpoints\": [\"http://h:1\"], \"ttl_seconds\": 4,"
                + " \"timeout_ms\": 3000}}}").contains("coordination.etcd.timeout_ms: 3000 ms leaves no time for a retry"
                + " within ttl_seconds (4 s): at most half of it"));
        assertTrue(problems("{\"coordination\": {\"etcd\": {}}}").stream()
                .anyMatch(x -> x.startsWith("coordination.etcd.endpoints: must list at least one")));
        assertTrue(problems("{\"coordination\": {\"etcd\": {\"endpoints\": [\"http://h:1\"], \"ttl_seconds\": 7200}}}")
                .contains("coordination.etcd.ttl_seconds: must be 3..3600, got 7200"));
    }

    @Test
    void etcdTakesNeitherSourcesNorACpBlock() {
        List<String> p = problems("""
                {"coordination": {"etcd": {"endpoints": ["http://h:2379"]}}, "cp": {"base_url": "http://cp:1/api"},
                 "sources": [{"camera_uuid": "c", "url": "rtsp://h/1"}]}""");
        assertTrue(p.stream().anyMatch(x -> x.startsWith("sources: a worker with coordination.etcd takes its cameras"
                + " from etcd")), p.toString());
        assertTrue(p.contains("cp: use either cp (an HTTP control plane) or coordination.etcd, not both"), p.toString());
    }

    @Test
    void allowedFileRootsMustBeExistingFolders() throws Exception {
        Files.createDirectory(dir.resolve("clips"));
        Files.writeString(dir.resolve("file.txt"), "x");
        ShardConfig c = parse("{\"cp\": {\"base_url\": \"http://cp:1\"}, \"allowed_file_roots\": [\"clips\"]}");
        assertEquals(List.of(dir.resolve("clips").toRealPath()), c.fleet().allowedFileRoots());
        List<String> p = problems("{\"allowed_file_roots\": [\"nowhere\", \"file.txt\"], \"cp\": {\"base_url\":"
                + " \"http://cp:1\"}}");
        assertTrue(p.contains("allowed_file_roots[0]: not an existing folder: " + dir.resolve("nowhere")), p.toString());
        assertTrue(p.contains("allowed_file_roots[1]: not a folder: " + dir.resolve("file.txt")), p.toString());
    }

    private static JsonNode shard(String url) throws Exception {
        return JSON.readTree("{\"sources\": [{\"camera_uuid\": \"c-1\", \"url\": \"" + url + "\"}]}");
    }

    @Test
    void aLeasedShardNamesLocalFilesOnlyUnderAnAllowedRoot() throws Exception {
        Path clips = Files.createDirectory(dir.resolve("clips"));
        Path clip = Files.writeString(clips.resolve("a.mp4"), "not really a video");
        Path secret = Files.writeString(dir.resolve("secret.key"), "k");
        Path link = Files.createSymbolicLink(clips.resolve("escape.mp4"), secret);
        List<Path> roots = List.of(clips.toRealPath());

        assertEquals(1, ConfigLoader.parseLeasedShard(shard(clip.toString()), new ShardRules(8, roots, false)).sources().size());
        for (String url : List.of(secret.toString(), "file://" + secret, clips + "/../secret.key", link.toString())) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.parseLeasedShard(shard(url), new ShardRules(8, roots, false)), url);
            assertTrue(e.problems().get(0).startsWith("shard.sources[0].url: a local file in a shard from the fleet"),
                    e.problems().toString());
        }
        ConfigException none = assertThrows(ConfigException.class,
                () -> ConfigLoader.parseLeasedShard(shard(clip.toString()), new ShardRules(8, List.of(), false)));
        assertTrue(none.problems().get(0).contains("allowed_file_roots []"), none.problems().toString());
        assertEquals(1, ConfigLoader.parseLeasedShard(shard("rtsp://cam.example/1"), new ShardRules(8, List.of(), false)).sources().size(),
                "network cameras need no root");
    }

    @Test
    void zonesInALeasedShardNeedTrackingOnTheWorker() throws Exception {
        JsonNode zoned = JSON.readTree("{\"sources\": [{\"camera_uuid\": \"a\", \"url\": \"rtsp://h/1\", \"zones\":"
                + " [{\"name\": \"door\", \"polygon\": [[0,0],[10,0],[10,10]]}]}]}");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parseLeasedShard(zoned, new ShardRules(8, List.of(), false)));
        assertEquals(List.of("shard.sources[0]: zones and lines need tracking (\"tracking\": {\"enabled\": true}), which"
                + " is off on this worker"), e.problems());
        assertEquals(1, ConfigLoader.parseLeasedShard(zoned, new ShardRules(8, List.of(), true)).sources().size());
    }

    @Test
    void aLeasedShardLargerThanMaxCamerasIsRefused() throws Exception {
        JsonNode two = JSON.readTree("{\"sources\": [{\"camera_uuid\": \"a\", \"url\": \"rtsp://h/1\"},"
                + " {\"camera_uuid\": \"b\", \"url\": \"rtsp://h/2\"}]}");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseLeasedShard(two, new ShardRules(1, List.of(), false)));
        assertEquals(List.of("shard.sources: 2 cameras, more than this worker's max_cameras (1)"), e.problems());
        assertEquals(2, ConfigLoader.parseLeasedShard(two, new ShardRules(2, List.of(), false)).sources().size());
    }
}
