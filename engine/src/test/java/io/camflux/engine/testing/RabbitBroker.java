package io.camflux.engine.testing;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.camflux.model.TestAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A real RabbitMQ server on loopback (scripts/rabbitmq.sh), and a consumer of everything CamFlux publishes. */
public final class RabbitBroker implements AutoCloseable {
    private final Path dir;
    private final int port;

    private RabbitBroker(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static RabbitBroker start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("camflux-rabbit");
        String out = script("start", dir);
        String line = out.lines().filter(l -> l.startsWith("AMQP_PORT=")).findFirst()
                .orElseThrow(() -> new IOException("RabbitMQ did not start: " + out));
        return new RabbitBroker(dir, Integer.parseInt(line.substring("AMQP_PORT=".length()).trim()));
    }

    private static String script(String command, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", TestAssets.root().resolve("scripts/rabbitmq.sh").toString(), command,
                dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("rabbitmq.sh " + command + " failed: " + out);
        }
        return out;
    }

    public int port() {
        return port;
    }

    /** The broker closes its listener and every connection, as in an outage. */
    public void pause() throws IOException, InterruptedException {
        script("pause", dir);
    }

    public void resume() throws IOException, InterruptedException {
        script("resume", dir);
    }

    /** A consumer bound to {@code detections.#} and {@code stream.#} on the two exchanges. */
    public Consumer consume(String exDetect, String exStatus) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(port);
        Connection connection = f.newConnection("test-consumer");
        Channel channel = connection.createChannel();
        String queue = channel.queueDeclare("test-" + System.nanoTime(), true, false, false, null).getQueue();
        for (String[] b : List.of(new String[] {exDetect, "detections.#"}, new String[] {exDetect, "objects.#"},
                new String[] {exStatus, "stream.#"})) {
            channel.exchangeDeclare(b[0], "topic", true);
            channel.queueBind(queue, b[0], b[1]);
        }
        Consumer consumer = new Consumer(connection);
        channel.basicConsume(queue, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
                consumer.received.add(new Message(envelope.getRoutingKey(), props.getMessageId(),
                        props.getDeliveryMode(), props.getContentType(), new String(body, StandardCharsets.UTF_8),
                        System.nanoTime()));
            }
        });
        return consumer;
    }

    public record Message(String routingKey, String messageId, Integer deliveryMode, String contentType, String body,
                          long receivedNanos) {
    }

    public static final class Consumer implements AutoCloseable {
        private final Connection connection;
        public final ConcurrentLinkedQueue<Message> received = new ConcurrentLinkedQueue<>();

        Consumer(Connection connection) {
            this.connection = connection;
        }

        public List<Message> detections() {
            return received.stream().filter(m -> m.routingKey().startsWith("detections.")).toList();
        }

        @Override
        public void close() throws IOException {
            connection.abort();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        script("stop", dir);
    }
}
