package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.RabbitBroker;
import io.camflux.engine.testing.WorkerJar;
import io.camflux.model.TestAssets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a worker publishing to RabbitMQ, then the same command again: it starts on the same ports at once
 * (nothing left behind), and what the crash lost is bounded by what was in memory: the events created and not yet
 * confirmed ({@code events_pending}) at the kill. Frames in the pipeline never became events, so they are not
 * events lost.
 */
class CrashRestartIT {
    private static final Pattern PENDING = Pattern.compile("^events_pending (\\S+)$", Pattern.MULTILINE);
    private static final Pattern PUBLISHED = Pattern.compile("^detections_published_total\\{[^}]*} (\\S+)$",
            Pattern.MULTILINE);

    @TempDir
    Path dir;

    private Process start(Path config, String log) throws Exception {
        return WorkerJar.command(List.of(), config).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(log).toFile()).start();
    }

    @Test
    void aKilledWorkerRestartsCleanlyAndLosesAtMostWhatWasPending() throws Exception {
        int http = io.camflux.engine.testing.Ports.free(), metrics = io.camflux.engine.testing.Ports.free();
        HttpClient client = HttpClient.newHttpClient();
        try (RabbitBroker broker = RabbitBroker.start();
             RabbitBroker.Consumer consumer = broker.consume("detections.topic", "status.topic")) {
            Path config = Files.writeString(dir.resolve("shard.json"), """
                    {"runner_id": "crash", "max_fps": 6, "emit_empty": true,
                     "sources": [{"camera_uuid": "cam-1", "url": "%s", "loop": true},
                                 {"camera_uuid": "cam-2", "url": "%s", "loop": true}],
                     "amqp": {"host": "127.0.0.1", "port": %d},
                     "batch": {"max_size": 4, "max_wait_ms": 50},
                     "http": {"host": "127.0.0.1", "port": %d, "metrics_port": %d}}""".formatted(
                    TestAssets.media("cam1.mp4"), TestAssets.media("cam2.mp4"), broker.port(), http, metrics));
            Process first = start(config, "first.log");
            Await.until(() -> consumer.detections().size() >= 40, 90, "the first run publishes");
            double pending = 0, published = 0, created = 0;
            for (int i = 0; i < 10; i++) {
                String text = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                pending = sum(PENDING, text);
                published = sum(PUBLISHED, text);
                Thread.sleep(100);
            }
            created = pending + published;
            Instant killedAt = Instant.now();
            new ProcessBuilder("kill", "-9", Long.toString(first.pid())).start().waitFor();
            assertTrue(first.waitFor(10, TimeUnit.SECONDS));
            Thread.sleep(2000); // deliveries of what the broker had confirmed
            long receivedFirst = consumer.detections().stream()
                    .filter(m -> m.body().contains("\"runner_id\":\"crash\""))
                    .filter(m -> Instant.parse(m.body().replaceAll("(?s).*\"ts\":\"([^\"]+)\".*", "$1"))
                            .isBefore(killedAt))
                    .map(RabbitBroker.Message::messageId).distinct().count();
            // events created up to the last scrape, not received: a bound set by events_pending at that moment
            // (plus the 6 fps x 2 cameras created in the 100 ms after it)
            double lost = Math.max(0, created - receivedFirst);
            System.out.printf(Locale.ROOT, "CRASH kill -9: created >= %.0f, received %d, lost <= %.0f (pending at"
                    + " the last scrape %.0f)%n", created, receivedFirst, lost, pending);
            assertTrue(lost <= pending + 2, "lost no more than was pending: created " + created + ", received "
                    + receivedFirst + ", pending " + pending);

            long restarted = System.nanoTime();
            Process second = start(config, "second.log");
            try {
                Await.until(() -> healthy(client, http), 90, "the restarted worker serves on the same ports");
                int before = consumer.detections().size();
                Await.until(() -> consumer.detections().size() > before + 10, 60, "and publishes again");
                System.out.printf(Locale.ROOT, "CRASH restart to publishing again: %.1f s%n",
                        (System.nanoTime() - restarted) / 1e9);
                String log = Files.readString(dir.resolve("second.log"));
                assertTrue(!log.contains("already in use"), log);
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
            assertEquals(0, second.exitValue(), "a SIGTERM after the restart drains cleanly");
        }
    }

    private static boolean healthy(HttpClient client, int port) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception notYet) {
            return false; // still loading its model
        }
    }

    private static double sum(Pattern p, String text) {
        double total = 0;
        Matcher m = p.matcher(text);
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }

}
