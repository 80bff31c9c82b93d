package io.camflux.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.HttpConfig;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.http.Controls;
import io.camflux.engine.http.HealthServer;
import io.camflux.model.TestAssets;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes, rendered by {@code kubectl kustomize} with no cluster, validated strictly (unknown fields,
 * required fields, types) against the Kubernetes API's models, and checked against what the engine serves: the
 * worker config loads, the probes' paths answer on the config's ports (none is a 404), preStop drains, the grace
 * outlasts the drain, GPU limits, secrets, PDB and scraping line up.
 */
class DeployManifestsTest {
    private static final Path DEPLOY = TestAssets.root().resolve("deploy/kubernetes");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Map<String, List<JsonNode>> BY_KIND = new HashMap<>();

    @BeforeAll
    static void render() throws Exception {
        Process p = new ProcessBuilder("kubectl", "kustomize", DEPLOY.toString()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "kubectl kustomize failed: " + err);
        for (JsonNode doc : YAML.readValues(YAML.createParser(out), JsonNode.class).readAll()) {
            BY_KIND.computeIfAbsent(doc.path("kind").asText(), k -> new ArrayList<>()).add(doc);
        }
    }

    private static JsonNode one(String kind) {
        List<JsonNode> docs = BY_KIND.get(kind);
        assertNotNull(docs, "no " + kind + " rendered");
        assertEquals(1, docs.size(), "one " + kind);
        return docs.get(0);
    }

    /** The object of this kind and name (the workers' and etcd's Services and budgets share kinds). */
    private static JsonNode named(String kind, String name) {
        return BY_KIND.getOrDefault(kind, List.of()).stream()
                .filter(d -> d.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
    }

    private static JsonElement gson(JsonNode node) {
        return JsonParser.parseString(node.toString());
    }

    @Test
    void everyManifestIsAValidKubernetesObject() throws Exception {
        assertEquals(java.util.Set.of("Namespace", "ConfigMap", "Secret", "Service", "Deployment",
                "PodDisruptionBudget", "StatefulSet"), BY_KIND.keySet());
        V1Namespace.validateJsonElement(gson(one("Namespace")));
        V1ConfigMap.validateJsonElement(gson(one("ConfigMap")));
        V1Secret.validateJsonElement(gson(one("Secret")));
        for (JsonNode service : BY_KIND.get("Service")) {
            V1Service.validateJsonElement(gson(service));
        }
        V1Deployment.validateJsonElement(gson(one("Deployment")));
        for (JsonNode pdb : BY_KIND.get("PodDisruptionBudget")) {
            V1PodDisruptionBudget.validateJsonElement(gson(pdb));
        }
        V1StatefulSet.validateJsonElement(gson(one("StatefulSet")));
    }

    @Test
    void theValidatorRefusesAMisspelledField() {
        ObjectNode broken = one("Deployment").deepCopy();
        ObjectNode container = (ObjectNode) broken.path("spec").path("template").path("spec").path("containers").get(0);
        container.set("livenesProbe", container.remove("livenessProbe"));
        assertThrows(IllegalArgumentException.class, () -> V1Deployment.validateJsonElement(gson(broken)));
    }

    @Test
    void theDeploymentMatchesWhatTheEngineServes() throws Exception {
        ShardConfig config = workerConfig();
        assertNotNull(config.fleet().etcd(), "the fleet's workers take their shards from etcd");
        JsonNode pod = one("Deployment").path("spec").path("template");
        JsonNode container = pod.path("spec").path("containers").get(0);
        Map<String, Integer> ports = new HashMap<>();
        container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
        assertEquals(config.http().port(), ports.get("http"));
        assertEquals(config.http().metricsPort(), ports.get("metrics"));
        assertEquals(Integer.toString(config.http().metricsPort()),
                pod.path("metadata").path("annotations").path("prometheus.io/port").asText());
        assertEquals("/metrics", pod.path("metadata").path("annotations").path("prometheus.io/path").asText());
        assertEquals("1", container.path("resources").path("limits").path("nvidia.com/gpu").asText());

        assertTrue(pod.path("spec").path("terminationGracePeriodSeconds").asLong() > config.http().drainGrace()
                .toSeconds() + 10, "the termination grace outlasts the drain grace");
        String preStop = String.join(" ", YAML.convertValue(container.path("lifecycle").path("preStop").path("exec")
                .path("command"), String[].class));
        assertTrue(preStop.contains("-X POST http://127.0.0.1:" + config.http().port() + "/drain"), preStop);

        JsonNode args = container.path("args");
        String configPath = args.get(args.size() - 1).asText();
        JsonNode mount = findMount(container, "config");
        assertEquals(configPath, mount.path("mountPath").asText() + "/worker.json");

        JsonNode secret = one("Secret");
        for (String env : List.of("CAMFLUX_AMQP_PASSWORD", "CAMFLUX_HTTP_TOKEN")) {
            JsonNode ref = null;
            for (JsonNode e : container.path("env")) {
                if (e.path("name").asText().equals(env)) {
                    ref = e.path("valueFrom").path("secretKeyRef");
                }
            }
            assertNotNull(ref, env + " comes from the Secret");
            assertEquals(secret.path("metadata").path("name").asText(), ref.path("name").asText());
            assertTrue(secret.path("data").has(ref.path("key").asText()), env);
        }
        assertEquals("change-me", new String(Base64.getDecoder().decode(secret.path("data").path("CAMFLUX_HTTP_TOKEN")
                .asText()), StandardCharsets.UTF_8), "the shipped values are placeholders");

        JsonNode pdbSelector = named("PodDisruptionBudget", "camflux-worker").path("spec").path("selector").path("matchLabels");
        pdbSelector.fields().forEachRemaining(e -> assertEquals(e.getValue(),
                pod.path("metadata").path("labels").path(e.getKey()), "the PDB selects the workers"));
        JsonNode serviceSelector = named("Service", "camflux-worker-metrics").path("spec").path("selector");
        serviceSelector.fields().forEachRemaining(e -> assertEquals(e.getValue(),
                pod.path("metadata").path("labels").path(e.getKey()), "the Service selects the workers"));
        named("Service", "camflux-worker-metrics").path("spec").path("ports").forEach(p -> assertTrue(ports.containsKey(p.path("targetPort")
                .asText()), "target port " + p));

        // the probes' paths, on the engine's own health server with the config's settings (ports made free)
        int http = io.camflux.engine.testing.Ports.free(), metrics = io.camflux.engine.testing.Ports.free();
        HttpConfig served = new HttpConfig("127.0.0.1", http, metrics, config.http().readyQuorum(),
                config.http().drainGrace());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Controls standby = new Controls() {
            public boolean draining() {
                return false;
            }

            public boolean leaseHeld() {
                return false;
            }

            public int camerasStreaming() {
                return 0;
            }

            public int camerasTotal() {
                return 0;
            }

            public void drain() {
            }

            public void terminate() {
            }
        };
        try (HealthServer server = new HealthServer(served, standby, null, registry, null).start()) {
            assertEquals(200, get(http, container.path("livenessProbe").path("httpGet").path("path").asText()));
            assertEquals(200, get(http, container.path("startupProbe").path("httpGet").path("path").asText()));
            String readiness = container.path("readinessProbe").path("httpGet").path("path").asText();
            assertEquals(200, get(http, readiness), "a healthy standby is ready for the rollout");
            assertEquals(503, get(http, "/ready"), "but not ready to a plain /ready without a lease");
            assertNotEquals(404, get(metrics, "/metrics"));
        }
    }

    @Test
    void theWorkersEtcdEndpointsAreTheStatefulSetsMembers() {
        JsonNode sts = one("StatefulSet");
        String name = sts.path("metadata").path("name").asText();
        String namespace = sts.path("metadata").path("namespace").asText();
        JsonNode service = named("Service", sts.path("spec").path("serviceName").asText());
        assertEquals("None", service.path("spec").path("clusterIP").asText(), "headless: a stable name per member");
        int clientPort = 0;
        for (JsonNode p : service.path("spec").path("ports")) {
            clientPort = p.path("name").asText().equals("client") ? p.path("port").asInt() : clientPort;
        }
        int members = sts.path("spec").path("replicas").asInt();
        assertEquals(3, members, "3 members: one can fail without a quorum loss");
        List<URI> expected = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            expected.add(URI.create("http://" + name + "-" + i + "." + service.path("metadata").path("name").asText()
                    + "." + namespace + ".svc:" + clientPort));
        }
        assertEquals(expected, workerConfig().fleet().etcd().endpoints());
        String command = String.join(" ", YAML.convertValue(sts.path("spec").path("template").path("spec")
                .path("containers").get(0).path("command"), String[].class));
        for (int i = 0; i < members; i++) {
            assertTrue(command.contains(name + "-" + i + "=http://" + name + "-" + i + "." + service.path("metadata")
                    .path("name").asText() + "." + namespace + ".svc:2380"), "member " + i + " in the initial cluster");
        }
        assertEquals("1", named("PodDisruptionBudget", name).path("spec").path("maxUnavailable").asText(),
                "evictions keep the quorum");
    }

    private static JsonNode findMount(JsonNode container, String volume) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asText().equals(volume)) {
                return m;
            }
        }
        throw new AssertionError("no mount of " + volume);
    }

    private static ShardConfig workerConfig() {
        String json = one("ConfigMap").path("data").path("worker.json").asText();
        return ConfigLoader.parse(json, "deploy/kubernetes/worker.json", null);
    }

    private static int get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

}
