package io.camflux.engine.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.camflux.engine.config.AmqpConfig;
import io.camflux.engine.testing.RabbitBroker;
import io.camflux.model.TestAssets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

/** Events to a real RabbitMQ server, read back by a real consumer; the broker goes away mid-run. */
class RabbitDeliveryTest {
    private static RabbitBroker broker;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INFERRED = Pattern.compile("inferred +(\\d+)");

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = RabbitBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    private Path config(String name, String clip, int amqpPort, String extra) throws Exception {
        return Files.writeString(dir.resolve(name + ".json"), """
                {"runner_id": "r1", "shard_id": "s1", "max_fps": 5, "emit_empty": true,
                 "sources": [{"camera_uuid": "cam-1", "url": "%s", "site_id": "site-A", "tenant_id": "ten-1",
                              "loop": false, "realtime": %s}],
                 "amqp": {"host": "127.0.0.1", "port": %d, "ex_detect": "det.%s", "ex_status": "st.%s"},
                 "http": {"host": "127.0.0.1", "port": 0, "metrics_port": 0}}""".formatted(
                TestAssets.media(clip), extra, amqpPort, name, name));
    }

    private record Run(int exit, String err) {
        long inferred() {
            Matcher m = INFERRED.matcher(err);
            long sum = 0;
            while (m.find()) {
                sum += Long.parseLong(m.group(1));
            }
            return sum;
        }
    }

    private static CompletableFuture<Run> run(Path config) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            int exit = io.camflux.engine.cli.MainAccess.run(config, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(exit, err.toString(StandardCharsets.UTF_8));
        });
    }

    private static void awaitCount(RabbitBroker.Consumer consumer, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (unique(consumer) < expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private static long unique(RabbitBroker.Consumer consumer) {
        return consumer.detections().stream().map(RabbitBroker.Message::messageId).distinct().count();
    }

    @Test
    void everyEventArrivesWithItsRoutingKeyAndFields() throws Exception {
        try (RabbitBroker.Consumer consumer = broker.consume("det.a", "st.a")) {
            Run run = run(config("a", "cam4.mp4", broker.port(), "false")).get(2, TimeUnit.MINUTES);
            assertEquals(0, run.exit(), run.err());
            assertTrue(run.err().contains("every event was confirmed by the broker"), run.err());
            long produced = run.inferred();
            assertEquals(100, produced, 1, "20 s at 5 fps, one event each (emit_empty)");
            awaitCount(consumer, produced);
            List<RabbitBroker.Message> detections = consumer.detections();
            assertEquals(produced, unique(consumer));
            for (RabbitBroker.Message m : detections) {
                assertEquals("detections.ten-1.site-A.cam-1", m.routingKey());
                assertEquals(2, m.deliveryMode(), "persistent");
                assertEquals("application/json", m.contentType());
                JsonNode e = JSON.readTree(m.body());
                assertEquals("r1/cam-1/" + e.get("frame_id").asLong(), m.messageId());
                for (String field : List.of("ts", "runner_id", "shard_id", "tenant_id", "site_id", "camera_uuid",
                        "frame_id", "fps", "detections", "latency")) {
                    assertTrue(e.has(field), field + " in " + m.body());
                }
                assertTrue(e.get("latency").get("e2e_s").asDouble() > 0);
            }
            Set<String> states = consumer.received.stream().filter(m -> m.routingKey().startsWith("stream."))
                    .map(m -> {
                        assertTrue(m.routingKey().endsWith(".ten-1.site-A.cam-1"), m.routingKey());
                        try {
                            return JSON.readTree(m.body()).get("state").asText();
                        } catch (Exception ex) {
                            throw new AssertionError(ex);
                        }
                    }).collect(Collectors.toSet());
            assertTrue(states.containsAll(Set.of("CONNECTING", "STREAMING")), states.toString());
        }
    }

    @Test
    void objectEventsGoToTheDetectionExchangeUnderTheirOwnRoutingKey() throws Exception {
        Path config = Files.writeString(dir.resolve("o.json"), """
                {"runner_id": "r1", "shard_id": "s1", "max_fps": 6, "events": "both", "tracking": {},
                 "sources": [{"camera_uuid": "cam-1", "url": "%s", "site_id": "site-A", "tenant_id": "ten-1",
                              "realtime": false}],
                 "amqp": {"host": "127.0.0.1", "port": %d, "ex_detect": "det.o", "ex_status": "st.o"},
                 "http": {"host": "127.0.0.1", "port": 0, "metrics_port": 0}}""".formatted(
                TestAssets.media("cam1.mp4"), broker.port()));
        try (RabbitBroker.Consumer consumer = broker.consume("det.o", "st.o")) {
            Run run = run(config).get(2, TimeUnit.MINUTES);
            assertEquals(0, run.exit(), run.err());
            assertTrue(run.err().contains("every event was confirmed by the broker"), run.err());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<RabbitBroker.Message> objects;
            do {
                Thread.sleep(200);
                objects = consumer.received.stream().filter(m -> m.routingKey().startsWith("objects.")).toList();
            } while (objects.stream().noneMatch(m -> m.body().contains("object.end")) && System.nanoTime() < deadline);
            assertTrue(objects.size() >= 2, "object events: " + objects.size());
            assertTrue(!consumer.detections().isEmpty(), "frames too, with events: both");
            java.util.Map<String, String> bodies = new java.util.HashMap<>();
            for (RabbitBroker.Message m : objects) {
                assertEquals("objects.ten-1.site-A.cam-1", m.routingKey());
                assertEquals(2, m.deliveryMode(), "persistent");
                // at least once: a resent event is a duplicate of the same id and body, never another event's id
                String earlier = bodies.putIfAbsent(m.messageId(), m.body());
                assertTrue(earlier == null || earlier.equals(m.body()), "one id, one event: " + m.messageId());
                JsonNode e = JSON.readTree(m.body());
                for (String field : List.of("type", "ts", "runner_id", "shard_id", "tenant_id", "site_id", "camera_uuid",
                        "track_id", "class_name")) {
                    assertTrue(e.has(field), field + " in " + m.body());
                }
            }
            long news = bodies.values().stream().filter(b -> b.contains("\"type\":\"object.new\"")).count();
            long ends = bodies.values().stream().filter(b -> b.contains("\"type\":\"object.end\"")).count();
            assertEquals(news, ends, "every object that began ended by the file's end");
        }
    }

    @Test
    void aBrokerOutageDelaysEventsAndLosesNone() throws Exception {
        try (RabbitBroker.Consumer consumer = broker.consume("det.b", "st.b")) {
            CompletableFuture<Run> running = run(config("b", "cam1.mp4", broker.port(), "true"));
            // the outage starts once events flow (a loaded machine takes longer to load the model and connect)
            io.camflux.engine.testing.Await.until(() -> unique(consumer) > 0, 120, "events flowing before the outage");
            Thread.sleep(2000);
            long before = unique(consumer);
            broker.pause();
            long pausedAt = System.nanoTime();
            Thread.sleep(10_000);
            long duringOutage = unique(consumer) - before;
            broker.resume();
            long resumedAt = System.nanoTime();
            Run run = running.get(3, TimeUnit.MINUTES);
            assertEquals(0, run.exit(), run.err());
            long produced = run.inferred();
            try (RabbitBroker.Consumer late = broker.consume("det.b", "st.b")) {
                // the first consumer's connection was closed by the outage: read what reached its queue
            }
            awaitCount(consumer, produced);
            long received = consumer.detections().size();
            long unique = unique(consumer);
            long firstAfter = consumer.detections().stream().mapToLong(RabbitBroker.Message::receivedNanos)
                    .filter(t -> t > resumedAt).min().orElse(-1);
            System.out.printf("outage: produced %d, received %d (unique %d, duplicates %d), lost %d;"
                            + " %d arrived during the %.1f s outage; first event %.1f s after the broker came back%n",
                    produced, received, unique, received - unique, produced - unique, duringOutage,
                    (resumedAt - pausedAt) / 1e9, firstAfter < 0 ? -1 : (firstAfter - resumedAt) / 1e9);
            assertEquals(produced, unique, "no event lost");
            assertTrue(before > 0, "events flowed before the outage");
            assertTrue(run.err().contains("every event was confirmed by the broker"), run.err());
        }
    }

    @Test
    void eventsABrokerRefusesAreResentAFewTimesWithBackoffThenCountedAsLost() throws Exception {
        // a queue that rejects every publish (x-max-length 0, overflow reject-publish) beside a healthy one
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(broker.port());
        try (com.rabbitmq.client.Connection c = f.newConnection("test-nack")) {
            com.rabbitmq.client.Channel ch = c.createChannel();
            ch.exchangeDeclare("det.nack", "topic", true);
            String full = ch.queueDeclare("full-q-" + System.nanoTime(), false, false, true,
                    java.util.Map.of("x-max-length", 0, "x-overflow", "reject-publish")).getQueue();
            ch.queueBind(full, "det.nack", "detections.#");
            String healthy = ch.queueDeclare().getQueue();
            ch.queueBind(healthy, "det.nack", "detections.#");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            AmqpConfig amqp = new AmqpConfig("127.0.0.1", broker.port(), "/", "guest", false, "st.nack", "det.nack",
                    100, 16);
            int events = 10;
            RabbitSink.NackPolicy policy = new RabbitSink.NackPolicy(3, Duration.ofMillis(100), Duration.ofMillis(400));
            try (RabbitSink sink = new RabbitSink(amqp, "guest", "test", registry, Schedulers.parallel(), policy)) {
                java.util.concurrent.atomic.AtomicInteger confirmed = new java.util.concurrent.atomic.AtomicInteger();
                sink.publish(reactor.core.publisher.Flux.range(0, events).map(i -> new OutboundEvent("det.nack",
                                "detections.t.s.c", "r/c/" + i, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                                confirmed::incrementAndGet)))
                        .block(Duration.ofSeconds(60)); // completes: nothing is resent for ever
                assertEquals(0, confirmed.get(), "nothing the broker refused counts as published");
                assertEquals(events, registry.get("events.lost").tag("reason", LostEvents.BROKER_REJECTED).counter()
                        .count(), "each refused event counted as lost once");
                assertEquals(0, sink.pending());
                assertEquals(events * (policy.resends() + 1), registry.get("broker.nacks").counter().count(),
                        "the first send and its resends, no more");
                long copies = ch.messageCount(healthy);
                assertTrue(copies >= events && copies <= (long) events * (policy.resends() + 1),
                        "the healthy queue got each event at most once per attempt: " + copies);
            }
        }
    }

    @Test
    void wrongCredentialsAreAClearErrorAndNotReady() throws Exception {
        AmqpConfig amqp = new AmqpConfig("127.0.0.1", broker.port(), "/", "camflux-nobody", false, "st.c", "det.c",
                100, 8);
        try (RabbitSink sink = new RabbitSink(amqp, "wrong", "test", new SimpleMeterRegistry(), Schedulers.parallel())) {
            sink.publish(reactor.core.publisher.Flux.just(new OutboundEvent("det.c", "detections.x", "1",
                    new byte[] {'{', '}'}, () -> { }))).subscribe();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (sink.lastError() == null && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(String.valueOf(sink.lastError()).contains("authentication failed for user 'camflux-nobody'"),
                    String.valueOf(sink.lastError()));
            assertTrue(!sink.connected() && sink.pending() == 1, "the event waits, the sink is not connected");
        }
    }

    @Test
    void guestOnlyOnLoopback() {
        AmqpConfig remote = new AmqpConfig("broker.example", 5672, "/", "guest", false, "s", "d", 10, 1);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RabbitSink.password(remote, null));
        assertTrue(e.getMessage().contains(RabbitSink.PASSWORD_ENV));
        assertEquals("pw", RabbitSink.password(remote, "pw"));
        assertEquals("guest", RabbitSink.password(new AmqpConfig("127.0.0.1", 5672, "/", "guest", false, "s", "d", 10, 1),
                null));
        assertTrue(Duration.ofSeconds(1).toMillis() > 0);
    }
}
