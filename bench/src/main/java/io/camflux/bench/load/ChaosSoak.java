package io.camflux.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * {@code java -jar bench/target/camflux-bench.jar soak [--minutes 60] [--cameras 16] [--busy N] [--name NAME] [--out DIR]}:
 * the engine jar as its own process against N RTSP cameras of the bench's server, RabbitMQ from the distribution
 * and a consumer, the motion gate on, with faults on a schedule: the broker away 30 s every 10 minutes, the RTSP
 * server restarted every 7 minutes, one more camera flapping (20 s up, 20 s down) and one never reachable. Every
 * minute: RSS, heap, threads, open files, events confirmed / received / lost, cameras streaming. At the end: RSS
 * growth after the warm-up, threads and files, losses and duplicates, and how long each camera took to stream
 * again after its server came back. Writes NAME-DATE.{json,md} and -rss.png, -events.png. Shorter runs scale the
 * schedule with {@code --broker-every}, {@code --rtsp-every} (minutes, fractions allowed).
 */
public final class ChaosSoak {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");

    private final Path root;
    private final double minutes;
    private final int cameras;
    private final double brokerEveryMin;
    private final double rtspEveryMin;
    private final String name;
    private final Path out;
    /** Cameras 1..busy serve people walking; the others a still scene, which the motion gate keeps from the model. */
    private final int busy;
    private final HttpClient http = HttpClient.newHttpClient();

    private ChaosSoak(Path root, double minutes, int cameras, int busy, double brokerEveryMin, double rtspEveryMin,
                      String name, Path out) {
        this.root = root;
        this.busy = busy;
        this.minutes = minutes;
        this.cameras = cameras;
        this.brokerEveryMin = brokerEveryMin;
        this.rtspEveryMin = rtspEveryMin;
        this.name = name;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("camflux.root", ".")).toAbsolutePath().normalize();
        double minutes = 60, brokerEvery = 10, rtspEvery = 7;
        int cameras = 16;
        Integer busy = null;
        String name = null;
        Path out = root.resolve("bench/results");
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--minutes" -> { minutes = Double.parseDouble(v); i++; }
                case "--cameras" -> { cameras = Integer.parseInt(v); i++; }
                case "--busy" -> { busy = Integer.parseInt(v); i++; }
                case "--broker-every" -> { brokerEvery = Double.parseDouble(v); i++; }
                case "--rtsp-every" -> { rtspEvery = Double.parseDouble(v); i++; }
                case "--name" -> { name = v; i++; }
                case "--out" -> { out = Path.of(v); i++; }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (name == null) {
            name = String.format(Locale.ROOT, "soak-chaos-%dcam-%smin", cameras, trim(minutes));
        }
        int busyCameras = busy == null ? cameras : Math.max(0, Math.min(cameras, busy));
        new ChaosSoak(root, minutes, cameras, busyCameras, brokerEvery, rtspEvery, name, out).run();
    }

    private static String trim(double v) {
        return v == Math.floor(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** What the consumer saw. */
    private static final class Received {
        final AtomicLong detections = new AtomicLong();
        final Set<String> ids = ConcurrentHashMap.newKeySet();
        /** Per camera, the times (epoch ms, the events' ts) it became STREAMING. */
        final Map<String, List<Long>> streaming = new ConcurrentHashMap<>();
        /** Per camera, when those announcements arrived here (epoch ms). */
        final Map<String, List<Long>> streamingReceived = new ConcurrentHashMap<>();
        volatile String queue;
        volatile Channel channel;

        /** Waits until the broker has delivered, and the consumer acknowledged, everything in the queue. */
        long drain(long timeoutMillis) throws Exception {
            long deadline = System.currentTimeMillis() + timeoutMillis;
            long left;
            do {
                Thread.sleep(500);
                left = channel.queueDeclarePassive(queue).getMessageCount();
            } while (left > 0 && System.currentTimeMillis() < deadline);
            return left;
        }
    }

    private void run() throws Exception {
        Files.createDirectories(out);
        Path work = Files.createTempDirectory("camflux-soak");
        BenchMedia media = new BenchMedia(root.resolve(".cache/media"));
        Path clip = media.clip("busy", 720, 130);
        Path still = busy < cameras ? media.clip("static", 720, 130) : clip;
        java.util.function.IntFunction<Path> clipOf = i -> i <= busy ? clip : still;
        int rtspPort = freePort(), flapPort = freePort(), closedPort = freePort();
        String rabbit = root.resolve("scripts/rabbitmq.sh").toString();
        String brokerOut = script(rabbit, "start", work.toString());
        int amqpPort = Integer.parseInt(brokerOut.lines().filter(l -> l.startsWith("AMQP_PORT="))
                .findFirst().orElseThrow().substring("AMQP_PORT=".length()).trim());
        Received received = new Received();
        Connection consumer = consume(amqpPort, received);
        RtspCameras server = new RtspCameras(root, clipOf, 1, cameras, rtspPort);
        RtspCameras flapping = new RtspCameras(root, clip, cameras + 1, cameras + 1, flapPort);
        int httpPort = freePort(), metricsPort = freePort();
        Path config = work.resolve("soak.json");
        Files.writeString(config, config(rtspPort, flapPort, closedPort, amqpPort, httpPort, metricsPort));
        Path engineLog = work.resolve("engine.log");
        Process engine = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // a fixed, pre-touched heap, as in production: RSS growth is then native memory, not G1 sizing its heap
                "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch", "-XX:+ExitOnOutOfMemoryError",
                "-jar", root.resolve("engine/target/camflux.jar").toString(), "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(engineLog.toFile()).start();
        List<Map<String, Object>> samples = new ArrayList<>();
        List<Map<String, Object>> faults = new ArrayList<>();
        List<Long> serverBack = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + (long) (minutes * 60e9);
        long nextSample = start + 60_000_000_000L;
        long nextBroker = start + (long) (brokerEveryMin * 60e9);
        long nextRtsp = start + (long) (rtspEveryMin * 60e9);
        long nextFlap = start + 20_000_000_000L;
        boolean flapUp = true;
        long brokerBackAt = 0;
        try {
            while (System.nanoTime() < end && engine.isAlive()) {
                Thread.sleep(500);
                long now = System.nanoTime();
                double at = (now - start) / 60e9;
                if (brokerBackAt == 0 && now >= nextBroker) {
                    script(rabbit, "pause", work.toString());
                    brokerBackAt = now + 30_000_000_000L;
                    faults.add(fault(at, "broker stopped for 30 s"));
                    nextBroker += (long) (brokerEveryMin * 60e9);
                } else if (brokerBackAt != 0 && now >= brokerBackAt) {
                    script(rabbit, "resume", work.toString());
                    brokerBackAt = 0;
                    faults.add(fault(at, "broker back"));
                }
                if (now >= nextRtsp) {
                    server.close();
                    Thread.sleep(2000);
                    server = new RtspCameras(root, clipOf, 1, cameras, rtspPort);
                    serverBack.add(System.currentTimeMillis());
                    faults.add(fault((System.nanoTime() - start) / 60e9, "RTSP server restarted (2 s away)"));
                    nextRtsp += (long) (rtspEveryMin * 60e9);
                }
                if (now >= nextFlap) {
                    if (flapUp) {
                        flapping.close();
                    } else {
                        flapping = new RtspCameras(root, clip, cameras + 1, cameras + 1, flapPort);
                    }
                    flapUp = !flapUp;
                    nextFlap += 20_000_000_000L;
                }
                if (!engine.isAlive()) {
                    throw new IllegalStateException("the engine exited with " + engine.exitValue() + " after "
                            + Math.round((now - start) / 1e9) + " s; its log ends:\n" + tail(engineLog, 20));
                }
                if (now >= nextSample) {
                    samples.add(sample(engine, metricsPort, received, (now - start) / 60e9));
                    nextSample += 60_000_000_000L;
                }
            }
            if (brokerBackAt != 0) {
                script(rabbit, "resume", work.toString());
            }
            Thread.sleep(5000);
            samples.add(sample(engine, metricsPort, received, (System.nanoTime() - start) / 60e9));
            new ProcessBuilder("kill", "-TERM", Long.toString(engine.pid())).start().waitFor();
            boolean exited = engine.waitFor(60, TimeUnit.SECONDS);
            long undelivered = received.drain(60_000);
            Files.copy(engineLog, out.resolve(name + "-" + LocalDate.now() + "-engine.log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            write(samples, faults, serverBack, received, start, exited ? engine.exitValue() : -1,
                    Files.readString(engineLog), undelivered);
        } finally {
            engine.destroyForcibly();
            server.close();
            flapping.close();
            consumer.abort();
            script(rabbit, "stop", work.toString());
        }
    }

    /**
     * For each restart of the server (epoch ms it was back), how long each of its cameras took to be STREAMING again
     * by {@code times} (per camera, epoch ms), sorted; a camera not seen back adds nothing.
     */
    private List<Double> recoveries(List<Long> serverBack, Map<String, List<Long>> times) {
        List<Double> recoveries = new ArrayList<>();
        for (long back : serverBack) {
            for (int i = 1; i <= cameras; i++) {
                long first = times.getOrDefault(RtspCameras.mount(i), List.of()).stream()
                        .filter(t -> t >= back - 2000).mapToLong(t -> t).min().orElse(-1);
                if (first >= 0) {
                    recoveries.add(Math.max(0, (first - back) / 1e3));
                }
            }
        }
        recoveries.sort(null);
        return recoveries;
    }

    private static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private String config(int rtspPort, int flapPort, int closedPort, int amqpPort, int httpPort, int metricsPort) {
        ArrayNode sources = JSON.createArrayNode();
        for (int i = 1; i <= cameras + 1; i++) {
            int port = i <= cameras ? rtspPort : flapPort;
            sources.addObject().put("camera_uuid", RtspCameras.mount(i)).put("url",
                    "rtsp://127.0.0.1:" + port + "/" + RtspCameras.mount(i)).put("site_id", "soak").put("tenant_id", "soak");
        }
        sources.addObject().put("camera_uuid", "camera_unreachable")
                .put("url", "rtsp://127.0.0.1:" + closedPort + "/nothing").put("site_id", "soak").put("tenant_id", "soak");
        ObjectNode c = JSON.createObjectNode();
        c.put("runner_id", "soak").put("shard_id", "soak").put("max_fps", 6);
        c.set("sources", sources);
        c.putObject("amqp").put("host", "127.0.0.1").put("port", amqpPort).put("buffer_size", 100_000);
        c.putObject("motion_config").put("enabled", true);
        c.putObject("batch").put("max_size", 8).put("max_wait_ms", 50);
        c.putObject("reconnect").put("initial_ms", 500).put("max_ms", 5000);
        c.putObject("http").put("host", "127.0.0.1").put("port", httpPort).put("metrics_port", metricsPort);
        c.putObject("telemetry").put("report_interval_seconds", 30);
        return c.toPrettyString();
    }

    private static Map<String, Object> fault(double minute, String what) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("minute", Math.round(minute * 100) / 100.0);
        f.put("fault", what);
        return f;
    }

    private Map<String, Object> sample(Process engine, int metricsPort, Received received, double minute) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("minute", Math.round(minute * 100) / 100.0);
        long pid = engine.pid();
        try {
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            s.put("rss_mb", field(status, "VmRSS") / 1024);
            s.put("threads", field(status, "Threads"));
            try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                s.put("fds", fds.count());
            }
        } catch (IOException e) {
            s.put("error", "process gone: " + e.getMessage());
            return s;
        }
        Map<String, Double> m = metrics(metricsPort);
        s.put("heap_mb", Math.round(sum(m, "jvm_memory_used_bytes", "area=\"heap\"") / 1e6));
        s.put("events_confirmed", (long) sum(m, "detections_published_total", ""));
        s.put("events_pending", (long) sum(m, "events_pending", ""));
        s.put("events_lost", (long) sum(m, "events_lost_total", ""));
        s.put("events_received", received.detections.get());
        s.put("events_received_unique", received.ids.size());
        s.put("cameras_streaming", (long) sum(m, "stream_up", ""));
        return s;
    }

    private static long field(String status, String key) {
        Matcher m = Pattern.compile("^" + key + ":\\s+(\\d+)", Pattern.MULTILINE).matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private Map<String, Double> metrics(int port) {
        Map<String, Double> out = new HashMap<>();
        try {
            String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                Matcher m = SAMPLE.matcher(line);
                if (!line.startsWith("#") && m.matches()) {
                    out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
                }
            }
        } catch (IOException | InterruptedException | NumberFormatException e) {
            // a missed scrape is a gap in the figures, not a failure of the soak
        }
        return out;
    }

    private static double sum(Map<String, Double> metrics, String name, String having) {
        return metrics.entrySet().stream().filter(e -> (e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
                && e.getKey().contains(having)).mapToDouble(Map.Entry::getValue).filter(v -> !Double.isNaN(v)).sum();
    }

    private Connection consume(int port, Received received) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(port);
        f.setAutomaticRecoveryEnabled(true);
        f.setNetworkRecoveryInterval(1000);
        Connection c = f.newConnection("soak-consumer");
        Channel ch = c.createChannel();
        // durable and named: the messages of the broker's outages wait in it
        String queue = ch.queueDeclare("soak-" + ProcessHandle.current().pid(), true, false, false, null).getQueue();
        for (String[] b : List.of(new String[] {"detections.topic", "detections.#"},
                new String[] {"status.topic", "stream.status.#"})) {
            ch.exchangeDeclare(b[0], "topic", true);
            ch.queueBind(queue, b[0], b[1]);
        }
        received.queue = queue;
        received.channel = ch;
        // acknowledged one by one after it is counted: what the consumer did not count stays in the queue
        ch.basicQos(500);
        ch.basicConsume(queue, false, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body)
                    throws java.io.IOException {
                count(env, props, body);
                getChannel().basicAck(env.getDeliveryTag(), false);
            }

            private void count(Envelope env, AMQP.BasicProperties props, byte[] body) {
                if (env.getRoutingKey().startsWith("detections.")) {
                    received.detections.incrementAndGet();
                    received.ids.add(String.valueOf(props.getMessageId()));
                } else {
                    String text = new String(body, StandardCharsets.UTF_8);
                    if (text.contains("\"state\":\"STREAMING\"") && !text.contains("\"summary\":true")) {
                        Matcher m = Pattern.compile("\"camera_uuid\":\"([^\"]+)\"").matcher(text);
                        Matcher ts = Pattern.compile("\"ts\":\"([^\"]+)\"").matcher(text);
                        if (m.find() && ts.find()) {
                            // the engine's own time of the change (its event's ts), not when the broker delivered it
                            received.streaming.computeIfAbsent(m.group(1), k -> new java.util.concurrent
                                    .CopyOnWriteArrayList<>()).add(java.time.Instant.parse(ts.group(1)).toEpochMilli());
                            received.streamingReceived.computeIfAbsent(m.group(1), k -> new java.util.concurrent
                                    .CopyOnWriteArrayList<>()).add(System.currentTimeMillis());
                        }
                    }
                }
            }
        });
        return c;
    }

    private void write(List<Map<String, Object>> samples, List<Map<String, Object>> faults, List<Long> serverBack,
                       Received received, long start, int exit, String engineLog, long undelivered)
            throws IOException {
        // recovery: for each restart of the server, how long each of its cameras took to announce STREAMING again
        List<Double> recoveries = recoveries(serverBack, received.streaming);
        List<Double> delivered = recoveries(serverBack, received.streamingReceived);
        int notBack = serverBack.size() * cameras - recoveries.size();
        double worstRecovery = recoveries.isEmpty() ? Double.NaN : recoveries.get(recoveries.size() - 1);
        Map<String, Object> last = samples.get(samples.size() - 1);
        Map<String, Object> warm = samples.stream().filter(s -> ((Number) s.get("minute")).doubleValue() >= Math.min(5,
                minutes / 4)).findFirst().orElse(samples.get(0));
        double rssGrowth = ratio(last, warm, "rss_mb");
        Matcher confirmedLine = Pattern.compile("run summary: .*?, (\\d+) detection events").matcher(engineLog);
        long confirmed = confirmedLine.find() ? Long.parseLong(confirmedLine.group(1)) : -1;
        boolean allConfirmed = engineLog.contains("every event was confirmed by the broker");
        long unique = received.ids.size();
        long duplicates = received.detections.get() - unique;
        ObjectNode r = JSON.createObjectNode();
        r.put("name", name);
        r.put("date", LocalDate.now().toString());
        r.put("command", "java -jar bench/target/camflux-bench.jar soak --minutes " + trim(minutes) + " --cameras "
                + cameras + (busy < cameras ? " --busy " + busy : "") + " --broker-every " + trim(brokerEveryMin)
                + " --rtsp-every " + trim(rtspEveryMin));
        r.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + ", Java "
                + System.getProperty("java.version"));
        r.put("engine_exit", exit);
        r.put("events_confirmed", confirmed);
        r.put("every_event_confirmed", allConfirmed);
        r.put("events_received", received.detections.get());
        r.put("events_received_unique", unique);
        r.put("duplicates", duplicates);
        r.put("left_in_queue", undelivered);
        r.put("events_lost", confirmed < 0 ? -1 : Math.max(0, confirmed - unique));
        r.put("rss_growth_after_warmup", rssGrowth);
        r.put("recovery_median_s", recoveries.isEmpty() ? Double.NaN : recoveries.get(recoveries.size() / 2));
        r.put("recovery_worst_s", worstRecovery);
        r.put("recoveries_missing", notBack);
        r.put("recovery_delivered_median_s", delivered.isEmpty() ? Double.NaN : delivered.get(delivered.size() / 2));
        r.put("recovery_delivered_worst_s", delivered.isEmpty() ? Double.NaN : delivered.get(delivered.size() - 1));
        r.set("faults", JSON.valueToTree(faults));
        r.set("samples", JSON.valueToTree(samples));
        String stem = name + "-" + LocalDate.now();
        Files.writeString(out.resolve(stem + ".json"), JSON.writeValueAsString(r));
        StringBuilder md = new StringBuilder();
        md.append("# ").append(name).append(" (").append(LocalDate.now()).append(")\n\n");
        md.append("Command: `").append(r.get("command").asText()).append("`  \nMachine: ").append(r.get("machine").asText())
                .append("\n\n");
        md.append(String.format(Locale.ROOT, "%d RTSP cameras (720p25: %d busy, %d of a still scene) + 1 flapping (20 s up,"
                + " 20 s down) + 1 never reachable, motion gate on, max_fps 6; the broker away 30 s every %s min, the RTSP"
                + " server restarted every %s min.%n%n", cameras, busy, cameras - busy, trim(brokerEveryMin),
                trim(rtspEveryMin)));
        md.append("| figure | value |\n|---|---|\n");
        md.append(String.format(Locale.ROOT, "| events confirmed by the broker (engine) | %d |%n", confirmed));
        md.append(String.format(Locale.ROOT, "| events received by the consumer (unique / with duplicates) | %d / %d |%n",
                unique, received.detections.get()));
        md.append(String.format(Locale.ROOT, "| left in the consumer's queue at the end (acknowledged one by one) | %d |%n",
                undelivered));
        md.append(String.format(Locale.ROOT, "| events lost | %s |%n", r.get("events_lost").asText()));
        md.append(String.format(Locale.ROOT, "| engine exit status (3: events lost) | %d |%n", exit));
        md.append(String.format(Locale.ROOT, "| RSS growth after warm-up (minute %s to the end) | %+.1f %% |%n",
                warm.get("minute"), rssGrowth * 100));
        md.append(String.format(Locale.ROOT, "| threads / open files, warm-up → end | %s → %s / %s → %s |%n",
                warm.get("threads"), last.get("threads"), warm.get("fds"), last.get("fds")));
        md.append(String.format(Locale.ROOT, "| STREAMING again after the server returned, by the status events' ts (median"
                + " / worst, %d restarts) | %.1f / %.1f s (%d camera-restarts not seen back) |%n", serverBack.size(),
                r.get("recovery_median_s").asDouble(), worstRecovery, notBack));
        md.append(String.format(Locale.ROOT, "| the same, by when the consumer received those events (median / worst) |"
                + " %.1f / %.1f s |%n", r.get("recovery_delivered_median_s").asDouble(),
                r.get("recovery_delivered_worst_s").asDouble()));
        md.append("\n| minute | RSS MB | heap MB | threads | fds | confirmed | received | pending | lost | cameras streaming |\n"
                + "|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> s : samples) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", s.get("minute"),
                    s.get("rss_mb"), s.get("heap_mb"), s.get("threads"), s.get("fds"), s.get("events_confirmed"),
                    s.get("events_received"), s.get("events_pending"), s.get("events_lost"), s.get("cameras_streaming")));
        }
        md.append("\nFaults: ");
        md.append(String.join("; ", faults.stream().map(f -> f.get("minute") + " min " + f.get("fault")).toList()))
                .append("\n");
        Files.writeString(out.resolve(stem + ".md"), md.toString());
        charts(samples, stem);
        System.out.print(md);
    }

    private static double ratio(Map<String, Object> last, Map<String, Object> first, String key) {
        Object a = last.get(key), b = first.get(key);
        if (!(a instanceof Number n) || !(b instanceof Number d) || d.doubleValue() == 0) {
            return Double.NaN;
        }
        return n.doubleValue() / d.doubleValue() - 1;
    }

    private void charts(List<Map<String, Object>> samples, String stem) {
        try {
            List<Double> x = samples.stream().map(s -> ((Number) s.get("minute")).doubleValue()).toList();
            XYChart rss = new XYChartBuilder().width(900).height(400).title("Engine memory over the soak")
                    .xAxisTitle("minute").yAxisTitle("MB").build();
            rss.addSeries("RSS", x, series(samples, "rss_mb"));
            rss.addSeries("heap", x, series(samples, "heap_mb"));
            BitmapEncoder.saveBitmap(rss, out.resolve(stem + "-rss").toString(), BitmapEncoder.BitmapFormat.PNG);
            XYChart events = new XYChartBuilder().width(900).height(400).title("Detection events over the soak")
                    .xAxisTitle("minute").yAxisTitle("events").build();
            events.addSeries("confirmed", x, series(samples, "events_confirmed"));
            events.addSeries("received", x, series(samples, "events_received"));
            events.addSeries("lost", x, series(samples, "events_lost"));
            BitmapEncoder.saveBitmap(events, out.resolve(stem + "-events").toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException | RuntimeException e) {
            System.err.println("soak: no charts: " + e);
        }
    }

    private static List<Double> series(List<Map<String, Object>> samples, String key) {
        return samples.stream().map(s -> s.get(key) instanceof Number n ? n.doubleValue() : 0.0).toList();
    }

    private static String script(String script, String command, String dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", script, command, dir).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("rabbitmq.sh " + command + " failed: " + text);
        }
        return text;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
