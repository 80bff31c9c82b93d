package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.model.TestAssets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a process would run it: health, metrics (checked by promtool) and a drain over HTTP. */
class ShardRunnerTest {
    @TempDir
    Path dir;
    private final HttpClient client = HttpClient.newHttpClient();


    private HttpResponse<String> call(String method, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> awaitStatus(String url, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = call("GET", url);
                if (last.statusCode() == status) {
                    return last;
                }
            } catch (java.io.IOException notYet) {
                // the server is still starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError(url + " never answered " + status + "; last: " + (last == null ? null : last.body()));
    }

    @Test
    void metricsPassPromtoolAndDrainExitsZeroWithNothingAfter() throws Exception {
        int http = io.camflux.engine.testing.Ports.free(), metrics = io.camflux.engine.testing.Ports.free();
        Path config = Files.writeString(dir.resolve("shard.json"), """
                {"runner_id": "r1", "shard_id": "s1", "max_fps": 5,
                 "sources": [{"camera_uuid": "cam-ok", "url": "%s", "loop": true, "realtime": true},
                             {"camera_uuid": "cam-dead", "url": "rtsp://127.0.0.1:1/none"}],
                 "reconnect": {"initial_ms": 200, "max_ms": 400},
                 "http": {"host": "127.0.0.1", "port": %d, "metrics_port": %d, "ready_quorum": 0.5,
                          "drain_grace_seconds": 20}}""".formatted(TestAssets.media("cam1.mp4"), http, metrics));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(
                new String[] {"--config", config.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false));

        HttpResponse<String> ready = awaitStatus("http://127.0.0.1:" + http + "/ready", 200);
        assertEquals("{\"ready\":true,\"cameras\":\"1/2\"}", ready.body());
        Thread.sleep(2000);
        String text = awaitStatus("http://127.0.0.1:" + metrics + "/metrics", 200).body();
        for (String name : List.of("stream_up{camera_uuid=\"cam-ok\"} 1.0", "stream_up{camera_uuid=\"cam-dead\"} 0.0",
                "last_frame_age_seconds{", "stream_fps{", "pipeline_fps{runner_id=\"r1\",shard_id=\"s1\"}",
                "inference_latency_seconds_bucket{", "e2e_latency_seconds_bucket{",
                "stream_errors_total{camera_uuid=\"cam-dead\",code=\"CONNECT_REFUSED\"}",
                "detections_published_total{camera_uuid=\"cam-ok\"}", "frames_dropped_total{camera_uuid=\"cam-ok\",reason=\"sampled_out\"}",
                "batch_size_count", "jvm_memory_used_bytes{", "process_cpu_usage", "process_cpu_seconds_total")) {
            assertTrue(text.contains(name), "metrics lack " + name);
        }
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String verdict = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, promtool.exitValue(), "promtool check metrics: " + verdict);

        assertEquals(202, call("POST", "http://127.0.0.1:" + http + "/drain").statusCode());
        assertEquals(0, exit.get(20, TimeUnit.SECONDS), err.toString(StandardCharsets.UTF_8));
        int atExit = out.size();
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"camera_uuid\":\"cam-ok\",\"frame_id\""));
        Thread.sleep(500);
        assertEquals(atExit, out.size(), "nothing is published after the exit is reported");
        String summary = err.toString(StandardCharsets.UTF_8);
        assertTrue(summary.contains("in flight 0"), summary);
        java.util.regex.Matcher window = java.util.regex.Pattern
                .compile("run summary: ([\\d.]+) s of intake \\(then ([\\d.]+) s to drain\\)").matcher(summary);
        assertTrue(window.find(), summary);
        java.util.regex.Matcher camOk = java.util.regex.Pattern.compile("cam-ok +decoded +\\d+ \\(([\\d.]+) fps\\)")
                .matcher(summary);
        assertTrue(camOk.find(), summary);
        // the clip plays at 10 fps; the rate covers intake only, so the drain does not dilute it
        assertTrue(Double.parseDouble(camOk.group(1)) >= 7, summary);
    }

    @Test
    void anUnreachableBrokerKeepsTheWorkerRunningButNotReady() throws Exception {
        int http = io.camflux.engine.testing.Ports.free(), metrics = io.camflux.engine.testing.Ports.free(), nothing = io.camflux.engine.testing.Ports.free();
        Path config = Files.writeString(dir.resolve("nobroker.json"), """
                {"max_fps": 5,
                 "sources": [{"camera_uuid": "cam-ok", "url": "%s", "loop": true, "realtime": true}],
                 "amqp": {"host": "127.0.0.1", "port": %d},
                 "http": {"host": "127.0.0.1", "port": %d, "metrics_port": %d}}""".formatted(
                TestAssets.media("cam1.mp4"), nothing, http, metrics));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(
                new String[] {"--config", config.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false));
        HttpResponse<String> notReady = awaitStatus("http://127.0.0.1:" + http + "/healthz", 200);
        assertEquals("ok\n", notReady.body());
        Thread.sleep(3000);
        HttpResponse<String> ready = call("GET", "http://127.0.0.1:" + http + "/ready");
        assertEquals(503, ready.statusCode());
        assertEquals("{\"ready\":false,\"cameras\":\"1/1\",\"broker\":\"disconnected\",\"reason\":\"the broker is not"
                + " connected\"}", ready.body());
        String text = call("GET", "http://127.0.0.1:" + metrics + "/metrics").body();
        assertTrue(text.contains("broker_connected 0.0"), text);
        java.util.regex.Matcher pending = java.util.regex.Pattern.compile("events_pending (\\d+)").matcher(text);
        assertTrue(pending.find() && Integer.parseInt(pending.group(1)) > 0, "events wait for the broker");
        assertEquals(202, call("POST", "http://127.0.0.1:" + http + "/terminate").statusCode());
        assertEquals(Main.EXIT_EVENTS_LOST, exit.get(20, TimeUnit.SECONDS), "the waiting events are lost at the exit");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("were not confirmed before the exit and are counted as lost"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(0, out.size(), "with a broker configured nothing goes to standard output");
    }

    @Test
    void withEventsObjectsStandardOutputCarriesObjectEventsAndNoFrameEvents() throws Exception {
        Path config = Files.writeString(dir.resolve("objects.json"), """
                {"runner_id": "r1", "shard_id": "s1", "max_fps": 6, "events": "objects",
                 "tracking": {"enabled": true},
                 "sources": [{"camera_uuid": "cam-o", "url": "%s",
                              "lines": [{"name": "middle", "from": [384, 0], "to": [384, 576]}]}],
                 "http": {"host": "127.0.0.1", "port": 0, "metrics_port": 0}}""".formatted(TestAssets.media("cam1.mp4")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(new String[] {"--config", config.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{")).toList();
        List<String> objects = lines.stream().filter(l -> l.contains("\"type\":\"object.") || l.contains("\"type\":\"line.")
                || l.contains("\"type\":\"zone.")).toList();
        assertTrue(objects.stream().anyMatch(l -> l.contains("\"type\":\"object.new\"")), lines.toString());
        assertTrue(objects.stream().anyMatch(l -> l.contains("\"type\":\"line.cross\"")), lines.toString());
        assertEquals(objects.stream().filter(l -> l.contains("object.new")).count(),
                objects.stream().filter(l -> l.contains("object.end")).count(), "every object ended by the file's end");
        assertTrue(lines.stream().noneMatch(l -> l.contains("\"frame_id\"")), "no frame events with events: objects");
    }
}
