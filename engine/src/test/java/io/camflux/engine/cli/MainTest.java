package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.camflux.model.TestAssets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpAndUsage() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--config FILE"));
        assertEquals(2, run());
        assertTrue(err().contains("--config FILE is required"), err());
        assertEquals(2, run("--config", "x.json", "--frobnicate"));
        assertEquals(2, run("--config", "x.json", "--duration", "soon"));
        assertTrue(err().contains("--duration"), err());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofSeconds(30), DurationArgument.parse("30s"));
        assertEquals(Duration.ofMinutes(5), DurationArgument.parse("5m"));
        assertEquals(Duration.ofHours(1), DurationArgument.parse("1h"));
        assertEquals(Duration.ofSeconds(90), DurationArgument.parse("PT90S"));
        assertEquals(Duration.ofMillis(1500), DurationArgument.parse("1500ms"));
        assertEquals(Duration.ofSeconds(12), DurationArgument.parse("12"));
        assertEquals(Duration.ofDays(366), DurationArgument.parse("8784h"));
    }

    @Test
    void aDurationOutOfRangeIsAUsageErrorBeforeAnythingStarts() {
        for (String d : new String[] {"1e300s", "100000000h", "PT2562047788015215H", "99999999999999999999ms",
                "8785h"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DurationArgument.parse(d));
            assertTrue(e.getMessage().startsWith("--duration must be at most 366 days"), d + ": " + e.getMessage());
            // the config is not even read: the argument is refused first (exit status 2, no stack trace)
            assertEquals(2, run("--config", "missing.json", "--duration", d));
            assertTrue(err().contains("--duration must be at most 366 days"), err());
            assertFalse(err().contains("Exception"), err());
        }
        for (String d : new String[] {"NaNs", "Infinitys", "-5s", "0", "1e-9s"}) {
            assertThrows(IllegalArgumentException.class, () -> DurationArgument.parse(d), d);
        }
    }

    @Test
    void badConfigExitsTwoNamingTheKey() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.json"),
                "{\"max_fps\": 6, \"sources\": [{\"camera_uuid\": \"a\", \"url\": \"rtsp://h/1\"}, {\"camera_uuid\": \"b\"}]}");
        assertEquals(2, run("--config", config.toString()));
        assertTrue(err().contains("sources[1].url: missing"), err());
        assertEquals(2, run("--config", dir.resolve("absent.json").toString()));
        assertTrue(err().contains("cannot read the file"), err());
    }

    @Test
    void aRemoteBrokerWithoutPasswordIsAConfigError() throws Exception {
        Path config = Files.writeString(dir.resolve("remote.json"), """
                {"sources": [{"camera_uuid": "a", "url": "rtsp://h/1"}], "amqp": {"host": "broker.example"}}""");
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("CAMFLUX_AMQP_PASSWORD") == null);
        assertEquals(2, run("--config", config.toString()));
        assertTrue(err().contains("CAMFLUX_AMQP_PASSWORD"), err());
    }

    @Test
    void runsAShardAndPrintsJsonLines() throws Exception {
        Path config = Files.writeString(dir.resolve("ok.json"), """
                {"runner_id": "r1", "shard_id": "s1", "max_fps": 4,
                 "sources": [{"camera_uuid": "cam-1", "url": "%s", "loop": false, "realtime": false}],
                 "batch": {"max_size": 2, "max_wait_ms": 20}, "http": {"port": 0, "metrics_port": 0}}""".formatted(TestAssets.media("cam4.mp4")));
        assertEquals(0, run("--config", config.toString()));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        ObjectMapper json = new ObjectMapper();
        long detections = 0;
        for (String line : lines) {
            JsonNode node = json.readTree(line);
            if (node.has("detections")) {
                detections++;
                assertEquals("r1", node.get("runner_id").asText());
                assertTrue(node.get("latency").get("e2e_s").asDouble() > 0);
                assertTrue(node.get("detections").get(0).has("class_name"));
            } else {
                assertTrue(node.get("type").asText().startsWith("stream."), line);
            }
        }
        assertEquals(80, detections, 2, "a 20 s clip sampled at 4 fps, people in every frame");
        assertTrue(err().contains("run summary"), err());
    }

    @Test
    void aBusyPortIsOneLineAndExitOne() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
            Path config = Files.writeString(dir.resolve("busy.json"), """
                    {"sources": [{"camera_uuid": "cam-1", "url": "%s"}], "http": {"port": %d, "metrics_port": 0}}"""
                    .formatted(TestAssets.media("cam4.mp4"), taken.getLocalPort()));
            assertEquals(1, run("--config", config.toString()));
            List<String> lines = err().lines().filter(l -> l.startsWith("camflux:")).toList();
            assertEquals(List.of("camflux: cannot listen on 0.0.0.0:" + taken.getLocalPort()
                    + " (http.port): the address is already in use"), lines);
            assertTrue(!err().contains("\tat "), "no stack trace: " + err());
        }
    }

    @Test
    void lostEventsEndWithExitStatusThree() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        // a broker nobody answers at: the events wait, the drain's grace runs out, they are counted as lost
        Path config = Files.writeString(dir.resolve("lost.json"), """
                {"sources": [{"camera_uuid": "cam-1", "url": "%s", "loop": false, "realtime": false}],
                 "amqp": {"host": "127.0.0.1", "port": %d}, "batch": {"max_size": 2, "max_wait_ms": 20},
                 "http": {"port": 0, "metrics_port": 0, "drain_grace_seconds": 1}}"""
                .formatted(TestAssets.media("cam4.mp4"), closed));
        assertEquals(3, run("--config", config.toString(), "--duration", "3s"));
        assertTrue(err().contains("events were lost (events_lost_total by reason); exit status 3"), err());
    }

    @Test
    void unknownModelClassesAreAConfigMistakeNamingEveryOne() throws Exception {
        Path config = Files.writeString(dir.resolve("classes.json"), """
                {"sources": [{"camera_uuid": "cam-1", "url": "%s"}], "model": {"classes": ["persn", "dog", "car2"]},
                 "http": {"port": 0, "metrics_port": 0}}""".formatted(TestAssets.media("cam4.mp4")));
        assertEquals(2, run("--config", config.toString()));
        assertTrue(err().contains("model.classes: unknown classes 'car2', 'persn'; this model's classes are person,"),
                err());
    }

    @Test
    void aNamedModelThatCannotLoadIsAConfigErrorNamingIt() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");
        Path config = Files.writeString(dir.resolve("models.json"), """
                {"sources": [{"camera_uuid": "cam-1", "url": "%s", "model": "gate"}],
                 "models": {"gate": {"path": "%s"}}, "http": {"port": 0, "metrics_port": 0}}"""
                .formatted(TestAssets.media("cam4.mp4"), junk));
        assertEquals(2, run("--config", config.toString()));
        assertTrue(err().contains("models.gate.path: cannot load model " + junk), err());

        Path classes = Files.writeString(dir.resolve("classes2.json"), """
                {"sources": [{"camera_uuid": "cam-1", "url": "%s", "model": "gate"}],
                 "models": {"gate": {"classes": ["lorry"]}}, "http": {"port": 0, "metrics_port": 0}}"""
                .formatted(TestAssets.media("cam4.mp4")));
        assertEquals(2, run("--config", classes.toString()));
        assertTrue(err().contains("models.gate.classes: unknown class 'lorry'"), err());
    }
}
