package io.camflux.engine.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A control plane for tests: a real HTTP server on loopback implementing docs/control-plane.md with an in-memory
 * lease table and its own clock. Every request and answer is checked against the OpenAPI file; what does not
 * conform is kept in {@link #violations()}. It can be made to fail ({@link #failWith}) and its shards changed.
 */
public final class ControlPlaneSimulator implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One acquisition, for measuring failovers: when (simulator clock, ns), which shard, epoch and runner. */
    public record Grant(long atNanos, String shardId, long epoch, String runnerId, String leaseId) {
    }

    private static final class Shard {
        final String id;
        ArrayNode sources;
        int version = 1;
        long epoch;
        LeaseRow holder;

        Shard(String id, ArrayNode sources) {
            this.id = id;
            this.sources = sources;
        }
    }

    private static final class LeaseRow {
        final String id;
        final Shard shard;
        final long epoch;
        final String runnerId;
        long expiresAtNanos;

        LeaseRow(String id, Shard shard, long epoch, String runnerId, long expiresAtNanos) {
            this.id = id;
            this.shard = shard;
            this.epoch = epoch;
            this.runnerId = runnerId;
            this.expiresAtNanos = expiresAtNanos;
        }
    }

    private final Map<String, Shard> shards = new LinkedHashMap<>();
    private final Map<String, LeaseRow> leases = new LinkedHashMap<>();
    private final List<Grant> grants = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<JsonNode> reports = new CopyOnWriteArrayList<>();
    private final List<Long> reportTimes = new CopyOnWriteArrayList<>();
    private final List<String> releases = new CopyOnWriteArrayList<>();
    private final String token;
    private final int ttlSeconds;
    private final LongSupplier nanos;
    private volatile int failing;
    private volatile boolean garbage;
    private final DisposableServer server;

    /** @param token null: no Authorization required */
    public ControlPlaneSimulator(String token, int ttlSeconds) {
        this(token, ttlSeconds, System::nanoTime);
    }

    public ControlPlaneSimulator(String token, int ttlSeconds, LongSupplier nanos) {
        this(token, ttlSeconds, nanos, null);
    }

    /** @param tls null: plain http; else https with this server context */
    public ControlPlaneSimulator(String token, int ttlSeconds, LongSupplier nanos, io.netty.handler.ssl.SslContext tls) {
        this.token = token;
        this.ttlSeconds = ttlSeconds;
        this.nanos = nanos;
        HttpServer http = HttpServer.create().host("127.0.0.1").port(0).handle(this::handle);
        if (tls != null) {
            http = http.secure(spec -> spec.sslContext(tls));
        }
        this.scheme = tls == null ? "http" : "https";
        this.server = http.bindNow();
    }

    private final String scheme;

    public String baseUrl() {
        return scheme + "://127.0.0.1:" + server.port() + "/api";
    }

    /** Adds a shard (its sources as in a config's {@code sources}). */
    public synchronized void addShard(String shardId, List<? extends JsonNode> sources) {
        ArrayNode array = JSON.createArrayNode();
        sources.forEach(array::add);
        shards.put(shardId, new Shard(shardId, array));
    }

    /** Changes a shard's cameras: a new version, handed to its holder with the next renewal. */
    public synchronized void updateShard(String shardId, List<? extends JsonNode> sources) {
        Shard s = shards.get(shardId);
        ArrayNode array = JSON.createArrayNode();
        sources.forEach(array::add);
        s.sources = array;
        s.version++;
    }

    /** Every request is answered with {@code status} (0: normally again). */
    public void failWith(int status) {
        failing = status;
    }

    /** Answers 200 with a body that is not JSON, or normally again. */
    public void answerGarbage(boolean on) {
        garbage = on;
    }

    public List<Grant> grants() {
        return List.copyOf(grants);
    }

    public List<String> violations() {
        return List.copyOf(violations);
    }

    public List<JsonNode> reports() {
        return List.copyOf(reports);
    }

    /** Renewals per minute of one runner, over the span from its first renewal to its last. */
    public double renewalsPerMinute(String runnerId) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            if (reports.get(i).path("runner_id").asText().equals(runnerId)) {
                times.add(reportTimes.get(i));
            }
        }
        if (times.size() < 2) {
            return Double.NaN;
        }
        return (times.size() - 1) / ((times.get(times.size() - 1) - times.get(0)) / 60e9);
    }

    public List<String> releases() {
        return List.copyOf(releases);
    }

    public long nowNanos() {
        return nanos.getAsLong();
    }

    /** The runner holding a live lease on the shard, or null. */
    public synchronized String holder(String shardId) {
        Shard s = shards.get(shardId);
        return s.holder != null && live(s.holder) ? s.holder.runnerId : null;
    }

    private boolean live(LeaseRow l) {
        return nanos.getAsLong() - l.expiresAtNanos < 0;
    }

    private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        // the schema checks read files: off Netty's threads
        return req.receive().aggregate().asString().defaultIfEmpty("")
                .publishOn(reactor.core.scheduler.Schedulers.boundedElastic()).flatMap(body -> {
            if (failing != 0) {
                return send(res, failing, "{\"error\":\"simulated failure\"}", null);
            }
            String auth = req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
            if (token != null && !("Bearer " + token).equals(auth)) {
                return send(res, 401, "{\"error\":\"invalid token\"}", "Problem");
            }
            if (garbage) {
                return send(res, 200, "<html>proxy error</html>", null);
            }
            String path = req.path();
            try {
                if (req.method().equals(HttpMethod.POST) && path.equals("api/leases")) {
                    return acquire(JSON.readTree(body), res);
                }
                if (path.startsWith("api/leases/")) {
                    String id = path.substring("api/leases/".length());
                    if (req.method().equals(HttpMethod.PUT)) {
                        return renew(id, JSON.readTree(body), res);
                    }
                    if (req.method().equals(HttpMethod.DELETE)) {
                        return release(id, res);
                    }
                }
            } catch (java.io.IOException e) {
                violations.add(req.method() + " " + path + ": body is not JSON: " + e.getMessage());
                return send(res, 400, "{\"error\":\"not JSON\"}", "Problem");
            }
            violations.add("unknown request " + req.method() + " " + path);
            return send(res, 404, "{\"error\":\"not found\"}", "Problem");
        }).onErrorResume(e -> {
            violations.add("the simulator failed: " + e);
            return send(res, 500, "{\"error\":\"" + e.getClass().getSimpleName() + "\"}", null);
        });
    }

    private Mono<Void> acquire(JsonNode request, HttpServerResponse res) {
        check("AcquireRequest", request);
        String json;
        synchronized (this) {
            Shard free = shards.values().stream().filter(s -> s.holder == null || !live(s.holder)).findFirst()
                    .orElse(null);
            if (free == null) {
                return send(res, 204, null, null);
            }
            if (free.holder != null) {
                leases.remove(free.holder.id);
            }
            free.epoch++;
            LeaseRow l = new LeaseRow(UUID.randomUUID().toString(), free, free.epoch,
                    request.path("runner_id").asText(), nanos.getAsLong() + ttlSeconds * 1_000_000_000L);
            free.holder = l;
            leases.put(l.id, l);
            grants.add(new Grant(nanos.getAsLong(), free.id, l.epoch, l.runnerId, l.id));
            ObjectNode lease = JSON.createObjectNode();
            lease.put("lease_id", l.id);
            lease.put("shard_id", free.id);
            lease.put("epoch", l.epoch);
            lease.put("ttl_seconds", ttlSeconds);
            lease.put("expires_at", Instant.now().plusSeconds(ttlSeconds).toString());
            lease.put("shard_version", Integer.toString(free.version));
            lease.set("shard", shardBody(free));
            json = lease.toString();
        }
        return send(res, 201, json, "Lease");
    }

    private ObjectNode shardBody(Shard s) {
        ObjectNode shard = JSON.createObjectNode();
        shard.set("sources", s.sources.deepCopy());
        return shard;
    }

    private Mono<Void> renew(String id, JsonNode report, HttpServerResponse res) {
        check("StatusReport", report);
        reports.add(report);
        reportTimes.add(nanos.getAsLong());
        String json;
        synchronized (this) {
            LeaseRow l = leases.get(id);
            if (l == null) {
                return send(res, 404, "{\"error\":\"unknown lease\"}", "Problem");
            }
            if (!live(l) || l.shard.holder != l) {
                return send(res, 410, "{\"error\":\"lease expired\"}", "Problem");
            }
            l.expiresAtNanos = nanos.getAsLong() + ttlSeconds * 1_000_000_000L;
            ObjectNode renewal = JSON.createObjectNode();
            renewal.put("expires_at", Instant.now().plusSeconds(ttlSeconds).toString());
            String version = Integer.toString(l.shard.version);
            renewal.put("shard_version", version);
            if (!version.equals(report.path("shard_version").asText())) {
                renewal.set("shard", shardBody(l.shard));
            }
            json = renewal.toString();
        }
        return send(res, 200, json, "Renewal");
    }

    private Mono<Void> release(String id, HttpServerResponse res) {
        synchronized (this) {
            LeaseRow l = leases.remove(id);
            if (l == null) {
                return send(res, 404, "{\"error\":\"unknown lease\"}", "Problem");
            }
            if (l.shard.holder == l) {
                l.shard.holder = null;
            }
            releases.add(id);
        }
        return send(res, 204, null, null);
    }

    private void check(String schema, JsonNode node) {
        violations.addAll(ProtocolContract.problems(schema, node));
    }

    private Mono<Void> send(HttpServerResponse res, int status, String body, String schema) {
        if (schema != null && body != null) {
            try {
                check(schema, JSON.readTree(body));
            } catch (java.io.IOException e) {
                violations.add("answer is not JSON: " + e.getMessage());
            }
        }
        HttpServerResponse r = res.status(HttpResponseStatus.valueOf(status));
        if (body == null) {
            return r.send().then();
        }
        return r.header(HttpHeaderNames.CONTENT_TYPE, "application/json").sendString(Mono.just(body)).then();
    }

    @Override
    public void close() {
        server.disposeNow();
    }

    /** A source as in a config's {@code sources}. */
    public static ObjectNode source(String cameraUuid, String url) {
        ObjectNode s = JSON.createObjectNode();
        s.put("camera_uuid", cameraUuid);
        s.put("url", url);
        s.put("site_id", "site-F");
        s.put("tenant_id", "tenant-F");
        s.put("loop", true);
        s.put("realtime", true);
        return s;
    }

    static List<ObjectNode> sources(String... pairs) {
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.add(source(pairs[i], pairs[i + 1]));
        }
        return out;
    }
}
