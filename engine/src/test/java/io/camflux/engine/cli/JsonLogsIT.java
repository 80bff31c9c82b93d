package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.camflux.engine.testing.WorkerJar;
import io.camflux.model.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar with {@code CAMFLUX_LOG_FORMAT=json}: every line on standard error is one JSON object with time,
 * level, logger and message, and what a camera's thread logs names the camera; an unknown format is refused.
 */
class JsonLogsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Process start(String format, Path log) throws Exception {
        // an MP4 whose index (moov) never comes: FFmpeg's own "moov atom not found" must come out as JSON too
        byte[] ftyp = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p',
            '4', '1', 0, 0, 0, 16, 'm', 'd', 'a', 't', 1, 2, 3, 4, 5, 6, 7, 8};
        Path broken = Files.write(dir.resolve("no-moov.mp4"), ftyp);
        Path config = Files.writeString(dir.resolve("shard.json"), """
                {"sources": [{"camera_uuid": "cam-json", "url": "%s"}, {"camera_uuid": "cam-broken", "url": "%s"}],
                 "http": {"port": 0, "metrics_port": 0}}""".formatted(TestAssets.media("cam1.mp4"), broken));
        ProcessBuilder b = WorkerJar.command(List.of(), config, "--duration", "4s").directory(dir.toFile())
                .redirectError(log.toFile()).redirectOutput(dir.resolve("events.jsonl").toFile());
        b.environment().put("CAMFLUX_LOG_FORMAT", format);
        return b.start();
    }

    @Test
    void everyLogLineIsOneJsonObjectAndACamerasLinesNameIt() throws Exception {
        Path log = dir.resolve("err.log");
        Process p = start("json", log);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the run ends");
        assertEquals(0, p.exitValue(), Files.readString(log));
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("WARNING:")) {
                continue; // the JVM's own warnings (native access) are not CamFlux's log
            }
            assertFalse(line.isBlank(), "no blank line on standard error");
            JsonNode node = JSON.readTree(line);
            assertTrue(node.isObject(), line);
            for (String field : new String[] {"time", "level", "logger_name", "message", "thread_name"}) {
                assertTrue(node.hasNonNull(field), field + " in " + line);
            }
            lines.add(node);
        }
        assertTrue(lines.size() >= 3, "some log lines: " + lines);
        List<JsonNode> camera = lines.stream()
                .filter(n -> n.path("message").asText().contains("camera cam-json: streaming at")).toList();
        assertFalse(camera.isEmpty(), "the camera's streaming line: " + lines);
        assertEquals("cam-json", camera.get(0).path("camera_uuid").asText(), camera.get(0).toString());
        assertEquals("INFO", camera.get(0).path("level").asText());
        assertEquals("io.camflux.engine.source.Camera", camera.get(0).path("logger_name").asText());
        assertTrue(lines.stream().anyMatch(n -> n.path("logger_name").asText().equals("ffmpeg")
                && n.path("message").asText().contains("moov atom not found")), "FFmpeg's own message, as JSON: " + lines);
        assertTrue(lines.stream().noneMatch(n -> n.path("thread_name").asText().startsWith("main")
                && n.has("camera_uuid")), "the MDC stays on the camera's thread");
    }

    @Test
    void anUnknownLogFormatIsAConfigurationError() throws Exception {
        Path log = dir.resolve("err.log");
        Process p = start("xml", log);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertTrue(Files.readString(log).contains("CAMFLUX_LOG_FORMAT must be text or json, got 'xml'"),
                Files.readString(log));
    }
}
