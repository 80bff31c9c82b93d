package io.camflux.engine.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.WorkerJar;
import io.camflux.model.TestAssets;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page at {@code GET /} of a worker from the jar on the demo footage (four looping cameras, the motion gate
 * on, a motion mask on one), in Debian's headless Chromium: once every camera streams, the page has a row per camera
 * in STREAMING with fps above zero, and the snapshot it fetched for each decoded as an image. A screenshot is kept
 * (engine/target/status-page.png; the README's is one of those). The snapshot endpoint itself answers a JPEG to
 * loopback and refuses an unknown camera.
 */
class StatusPageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void everyCameraShowsStreamingWithItsFpsAndASnapshotThatDecodes() throws Exception {
        int port = io.camflux.engine.testing.Ports.free();
        StringBuilder sources = new StringBuilder();
        for (int i = 1; i <= 4; i++) {
            sources.append(i > 1 ? "," : "").append("""
                    {"camera_uuid": "cam-00%d", "url": "%s", "loop": true, "realtime": true%s}"""
                    .formatted(i, TestAssets.media("cam" + i + ".mp4"),
                            i == 1 ? ", \"motion_mask\": [[[0, 0], [300, 0], [300, 200], [0, 200]]]"
                                    : i == 4 ? ", \"model\": \"small\"" : ""));
        }
        Path config = Files.writeString(dir.resolve("shard.json"), """
                {"max_fps": 6, "sources": [%s],
                 "motion_config": {"enabled": true},
                 "model": {"path": "yolox_nano", "provider": "cpu"},
                 "models": {"small": {"path": "yolox_nano", "provider": "cpu", "input_size": 320}},
                 "http": {"host": "127.0.0.1", "port": %d, "metrics_port": 0}}""".formatted(sources, port));
        Process worker = WorkerJar.command(List.of("-Xmx512m"), config)
                .redirectErrorStream(true).redirectOutput(dir.resolve("worker.log").toFile()).start();
        String base = "http://127.0.0.1:" + port;
        try {
            Await.until(() -> streaming(base) == 4, 90, "all four cameras streaming");

            HttpResponse<byte[]> jpeg = http.send(HttpRequest.newBuilder(URI.create(base + "/cameras/cam-001/snapshot.jpg"))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, jpeg.statusCode());
            assertEquals("image/jpeg", jpeg.headers().firstValue("content-type").orElse(""));
            assertTrue(jpeg.body().length > 1000 && (jpeg.body()[0] & 0xff) == 0xFF && (jpeg.body()[1] & 0xff) == 0xD8,
                    "a JPEG");
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "/cameras/nobody/snapshot.jpg")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());

            String dom = chromium("--dump-dom", base + "/?snapshots");
            List<String> rows = matches("<tr data-camera=\"(cam-00\\d)\" data-state=\"STREAMING\"", dom);
            assertEquals(List.of("cam-001", "cam-002", "cam-003", "cam-004"), rows.stream().sorted().toList(),
                    "a row per camera, each STREAMING:\n" + dom);
            for (String fps : matches("<td data-field=\"decoded_fps\" class=\"num\">([0-9.]+)</td>", dom)) {
                assertTrue(Double.parseDouble(fps) > 0, "decoded fps " + fps + " in\n" + dom);
            }
            assertEquals(List.of("h264", "h264", "h264", "h264"), matches("<td data-field=\"decoder\">([^<]+)</td>", dom),
                    "each camera's decoder (the CPU's on this host):\n" + dom);
            assertEquals(List.of("default", "default", "default", "small"),
                    matches("<td data-field=\"model\">([^<]+)</td>", dom).stream().sorted().toList(), "each camera's model:\n" + dom);
            List<String> widths = matches("<img[^>]*data-decoded=\"true\" data-width=\"(\\d+)\"", dom);
            assertEquals(4, widths.size(), "a snapshot that decoded for each camera:\n" + dom);
            assertTrue(widths.stream().allMatch(w -> Integer.parseInt(w) > 100), widths.toString());

            Path shot = TestAssets.root().resolve("engine/target/status-page.png");
            chromium("--screenshot=" + shot, "--window-size=1500,1000", base + "/?snapshots");
            assertTrue(Files.size(shot) > 10_000, "a screenshot");
        } finally {
            worker.destroy();
            worker.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private int streaming(String base) throws InterruptedException {
        try {
            JsonNode body = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/cameras")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            int n = 0;
            for (JsonNode c : body.path("cameras")) {
                n += c.path("state").asText().equals("STREAMING") && c.path("inferred_fps").asDouble() > 0 ? 1 : 0;
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Headless Chromium with enough virtual time for the page's polls and its snapshot fetches. */
    private String chromium(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("chromium", "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=" + dir.resolve("chromium"),
                "--virtual-time-budget=12000"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(dir.resolve("chromium.log").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium ends");
        assertEquals(0, p.exitValue(), "chromium: " + Files.readString(dir.resolve("chromium.log")));
        return out;
    }

    private static List<String> matches(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

}
