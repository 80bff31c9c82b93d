package io.camflux.engine.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.camflux.engine.fleet.ControlPlaneSimulator;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.RabbitBroker;
import io.camflux.engine.testing.WorkerJar;
import io.camflux.model.TestAssets;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/grafana/camflux.json and deploy/prometheus/alerts.yml against the real thing: a worker process from the jar
 * (fleet mode, with a control plane and RabbitMQ, two looping cameras and one that is never there, the motion gate
 * on), scraped by Debian's Prometheus every second with the alert rules loaded. Every panel's query must return
 * series through Prometheus' HTTP API (a panel whose query matches nothing is a broken panel), each variable must
 * have values, every rule must load healthy, and the JSON must be a well-formed dashboard model.
 */
class DashboardIT {
    static final Path DASHBOARD = TestAssets.root().resolve("deploy/grafana/camflux.json");
    static final Path ALERTS = TestAssets.root().resolve("deploy/prometheus/alerts.yml");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void everyPanelsQueryReturnsSeriesFromARealPrometheusScrapingAWorker() throws Exception {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        assertEquals(List.of(), DashboardModel.problems(dashboard), "a well-formed dashboard model");
        try (RabbitBroker broker = RabbitBroker.start();
             ControlPlaneSimulator cp = new ControlPlaneSimulator("dash-token", 6)) {
            cp.addShard("shard-D", List.of(
                    ControlPlaneSimulator.source("cam-d1", TestAssets.media("cam1.mp4").toString()),
                    ControlPlaneSimulator.source("cam-d2", TestAssets.media("cam2.mp4").toString()),
                    ControlPlaneSimulator.source("cam-gone", "rtsp://127.0.0.1:" + io.camflux.engine.testing.Ports.free() + "/nothing")));
            int metrics = io.camflux.engine.testing.Ports.free();
            Process worker = worker(broker.port(), cp.baseUrl(), metrics);
            int promPort = io.camflux.engine.testing.Ports.free();
            Process prometheus = prometheus(metrics, promPort);
            try {
                String api = "http://127.0.0.1:" + promPort;
                Await.until(() -> status(api + "/-/ready") == 200, 60, "Prometheus ready");
                Await.until(() -> value(api, "sum(stream_up)") >= 2 && value(api, "max(cp_lease_state)") == 1
                        && value(api, "sum(stream_errors_total)") >= 1, 120,
                        "the worker holds its lease, two cameras stream, the third has failed");
                // rate() and increase() over a minute need samples on both sides of the window's start
                Thread.sleep(15_000);
                List<String> broken = new ArrayList<>();
                int queried = 0;
                for (JsonNode panel : DashboardModel.panels(dashboard)) {
                    for (JsonNode target : panel.path("targets")) {
                        String expr = DashboardModel.expand(target.path("expr").asText());
                        JsonNode answer = query(api, expr);
                        queried++;
                        if (!answer.path("status").asText().equals("success")
                                || answer.path("data").path("result").isEmpty()) {
                            broken.add(panel.path("title").asText() + " [" + target.path("refId").asText() + "]: "
                                    + expr + " -> " + answer);
                        }
                    }
                }
                assertEquals(List.of(), broken, "panels whose queries match nothing");
                assertTrue(queried >= 33, "every panel's targets were queried: " + queried);
                for (JsonNode variable : dashboard.path("templating").path("list")) {
                    String q = DashboardModel.expand(variable.path("definition").asText());
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("label_values\\((.*), (\\w+)\\)")
                            .matcher(q);
                    assertTrue(m.matches(), q);
                    JsonNode values = JSON.readTree(get(api + "/api/v1/series?match[]="
                            + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8)).body());
                    assertTrue(values.path("data").size() > 0, "variable " + variable.path("name") + ": " + values);
                }
                JsonNode rules = JSON.readTree(get(api + "/api/v1/rules").body());
                Set<String> healthy = new HashSet<>();
                for (JsonNode group : rules.path("data").path("groups")) {
                    for (JsonNode rule : group.path("rules")) {
                        if (rule.path("health").asText().equals("ok")) {
                            healthy.add(rule.path("name").asText());
                        }
                    }
                }
                assertEquals(Set.of("CamfluxCameraDown", "CamfluxStaleFrames", "CamfluxEventsLost",
                        "CamfluxBrokerDisconnected", "CamfluxNotReady", "CamfluxInferenceErrors", "CamfluxSaturated",
                        "CamfluxLeaseLost"), healthy, "every alert rule loaded and evaluated: " + rules);
            } finally {
                prometheus.destroy();
                worker.destroy();
                prometheus.waitFor(20, TimeUnit.SECONDS);
                worker.waitFor(40, TimeUnit.SECONDS);
            }
        }
    }

    private Process worker(int amqpPort, String cpUrl, int metrics) throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.put("runner_id", "dash-worker");
        config.put("max_fps", 2);
        config.putObject("amqp").put("host", "127.0.0.1").put("port", amqpPort);
        config.putObject("cp").put("base_url", cpUrl).put("acquire_interval_ms", 500)
                .put("acquire_max_interval_ms", 1000).put("timeout_ms", 2000);
        config.putObject("http").put("host", "127.0.0.1").put("port", io.camflux.engine.testing.Ports.free()).put("metrics_port", metrics);
        config.putObject("model").put("path", "yolox_nano").put("provider", "cpu").put("threads", 1);
        config.putObject("batch").put("max_size", 4).put("max_wait_ms", 50);
        config.putObject("motion_config").put("enabled", true);
        config.putObject("reconnect").put("initial_ms", 200).put("max_ms", 1000);
        config.putArray("allowed_file_roots").add(TestAssets.media("cam1.mp4").toAbsolutePath().getParent().toString());
        Path file = dir.resolve("worker.json");
        Files.writeString(file, config.toPrettyString());
        ProcessBuilder pb = WorkerJar.command(List.of("-Xmx512m"), file)
                .redirectErrorStream(true).redirectOutput(dir.resolve("worker.log").toFile());
        pb.environment().put("CAMFLUX_CP_TOKEN", "dash-token");
        return pb.start();
    }

    private Process prometheus(int metrics, int port) throws IOException {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: camflux
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(ALERTS, metrics));
        return new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status of a GET, 0 while nothing listens there. */
    private int status(String url) throws InterruptedException {
        try {
            return get(url).statusCode();
        } catch (IOException e) {
            return 0;
        }
    }

    private JsonNode query(String api, String expr) throws IOException, InterruptedException {
        return JSON.readTree(get(api + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)).body());
    }

    /** The first sample of an instant query, or -1 when there is none. */
    private double value(String api, String expr) throws IOException, InterruptedException {
        JsonNode result = query(api, expr).path("data").path("result");
        return result.isEmpty() ? -1 : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

}
