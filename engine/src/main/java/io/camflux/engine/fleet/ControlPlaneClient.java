package io.camflux.engine.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.camflux.engine.config.ConfigException;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.ControlPlaneConfig;
import io.camflux.engine.config.LeasedShard;
import io.camflux.engine.config.LeaseLimits;
import io.camflux.engine.config.ShardRules;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;

/**
 * The worker's side of the lease protocol (docs/control-plane.md): acquire, renew with a status report, release.
 * Every request carries the bearer token (never logged) and is counted in {@code cp_requests_total{request,result}}.
 * Answers that cannot be used become a {@link ControlPlaneException} whose kind says what it means for the lease.
 */
public final class ControlPlaneClient {
    static final ObjectMapper JSON = new ObjectMapper();
    /** This worker's protocol version, sent with every acquire. */
    public static final String PROTOCOL_VERSION = "1";

    private final String baseUrl;
    private final HttpClient http;
    private final ShardRules rules;
    private final MeterRegistry registry;
    private final Duration timeout;

    /**
     * @param token null: no Authorization header (a control plane on loopback without auth)
     * @param rules what this worker accepts in a lease's shard
     */
    public ControlPlaneClient(ControlPlaneConfig config, String token, ShardRules rules, MeterRegistry registry) {
        this.baseUrl = config.baseUrl().toString();
        this.rules = rules;
        this.registry = registry;
        this.timeout = config.requestTimeout();
        HttpClient base = HttpClient.create();
        if (config.caFile() != null) {
            // https:// with a private CA; without it, https:// uses the JDK's trust store
            java.io.File ca = config.caFile().toFile();
            base = base.secure(spec -> spec.sslContext(reactor.netty.http.Http11SslContextSpec.forClient()
                    .configure(b -> b.trustManager(ca))));
        }
        this.http = base
                .responseTimeout(timeout)
                .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), 30_000))
                .headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    h.set(HttpHeaderNames.ACCEPT, "application/json");
                    if (token != null) {
                        h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
                    }
                });
    }

    /** A lease, or empty when the control plane has nothing for this worker now (204). */
    public Mono<Lease> acquire(ObjectNode request) {
        return exchange("acquire", HttpMethod.POST, "/leases", request).flatMap(answer -> {
            if (answer.status == 204) {
                count("acquire", "empty");
                return Mono.empty();
            }
            if (answer.status == 201 || answer.status == 200) {
                return Mono.fromCallable(() -> lease(answer)).doOnNext(l -> count("acquire", "ok"));
            }
            return Mono.error(unexpected("acquire", answer));
        }).doOnError(e -> countError("acquire", e));
    }

    /** Renews the lease with this status report; a changed shard comes back in the answer. */
    public Mono<Renewal> renew(String leaseId, ObjectNode report) {
        return exchange("renew", HttpMethod.PUT, "/leases/" + encode(leaseId), report).flatMap(answer -> {
            if (answer.status == 200) {
                return Mono.fromCallable(() -> renewal(answer)).doOnNext(r -> count("renew", "ok"));
            }
            return Mono.error(unexpected("renew", answer));
        }).doOnError(e -> countError("renew", e));
    }

    /** Gives the lease back; a lease the control plane no longer knows (404, 410) counts as released. */
    public Mono<Void> release(String leaseId) {
        return exchange("release", HttpMethod.DELETE, "/leases/" + encode(leaseId), null).flatMap(answer -> {
            if (answer.status == 204 || answer.status == 200 || answer.status == 404 || answer.status == 410) {
                count("release", "ok");
                return Mono.<Void>empty();
            }
            return Mono.error(unexpected("release", answer));
        }).doOnError(e -> countError("release", e));
    }

    private record Answer(int status, String body) {
    }

    private Mono<Answer> exchange(String request, HttpMethod method, String path, ObjectNode body) {
        HttpClient.RequestSender sender = http.request(method).uri(baseUrl + path);
        HttpClient.ResponseReceiver<?> receiver = body == null ? sender
                : sender.send(ByteBufMono.fromString(Mono.fromCallable(() -> JSON.writeValueAsString(body))));
        // the whole answer within the timeout: responseTimeout alone lets a trickling body run on for ever;
        // answers are parsed and their shards validated (file checks) off Netty's threads
        return receiver.responseSingle((res, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                        .map(text -> new Answer(res.status().code(), text)))
                .timeout(timeout)
                .publishOn(Schedulers.boundedElastic())
                .onErrorMap(e -> !(e instanceof ControlPlaneException), e -> new ControlPlaneException(
                        ControlPlaneException.Kind.UNAVAILABLE, 0, request + " " + method + " " + baseUrl + path
                        + ": no answer (" + describe(e) + ")", e));
    }

    private static String describe(Throwable e) {
        if (e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")) {
            return "timed out";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private ControlPlaneException unexpected(String request, Answer answer) {
        ControlPlaneException.Kind kind = switch (answer.status) {
            case 401, 403 -> ControlPlaneException.Kind.REFUSED;
            case 404, 409, 410 -> request.equals("renew") ? ControlPlaneException.Kind.LOST
                    : ControlPlaneException.Kind.UNAVAILABLE;
            default -> ControlPlaneException.Kind.UNAVAILABLE;
        };
        String what = kind == ControlPlaneException.Kind.REFUSED
                ? " (the token from " + ControlPlaneConfig.TOKEN_ENV + " was refused)" : "";
        return new ControlPlaneException(kind, answer.status, request + ": the control plane at " + baseUrl
                + " answered " + answer.status + what + ": " + excerpt(answer.body), null);
    }

    private static String excerpt(String body) {
        String oneLine = body.replaceAll("\\s+", " ").strip();
        if (oneLine.isEmpty()) {
            return "(empty body)";
        }
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine;
    }

    private Lease lease(Answer answer) {
        JsonNode n = body("acquire", answer);
        String leaseId = text(n, "lease_id", answer);
        String shardId = text(n, "shard_id", answer);
        long epoch = positive(n, "epoch", answer, leaseId);
        long ttl = positive(n, "ttl_seconds", answer, leaseId);
        if (ttl < LeaseLimits.MIN_TTL_SECONDS || ttl > LeaseLimits.MAX_TTL_SECONDS) {
            throw invalid("ttl_seconds must be " + LeaseLimits.MIN_TTL_SECONDS + ".." + LeaseLimits.MAX_TTL_SECONDS
                    + ", got " + ttl, answer, leaseId);
        }
        String version = n.path("shard_version").asText("");
        return new Lease(leaseId, shardId, epoch, Duration.ofSeconds(ttl), version, shard(n.get("shard"), answer, leaseId));
    }

    private Renewal renewal(Answer answer) {
        JsonNode n = body("renew", answer);
        JsonNode shard = n.get("shard");
        return new Renewal(n.path("expires_at").asText(null), n.path("shard_version").asText(""),
                shard == null || shard.isNull() ? null : shard(shard, answer, null));
    }

    /** @param grantedLease the lease an acquire's answer granted (its shard is required), null for a renewal */
    private LeasedShard shard(JsonNode shard, Answer answer, String grantedLease) {
        if (shard == null || shard.isNull()) {
            if (grantedLease != null) {
                throw invalid("the answer has no shard", answer, grantedLease);
            }
            return null;
        }
        try {
            return ConfigLoader.parseLeasedShard(shard, rules);
        } catch (ConfigException e) {
            throw invalid("its shard is invalid: " + String.join("; ", e.problems()), answer,
                    grantedLease);
        }
    }

    private JsonNode body(String request, Answer answer) {
        try {
            JsonNode n = JSON.readTree(answer.body);
            if (n == null || !n.isObject()) {
                throw invalid(request + " answer is not a JSON object", answer);
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw invalid(request + " answer is not JSON (" + e.getOriginalMessage() + ")", answer);
        }
    }

    private static String text(JsonNode n, String key, Answer answer) {
        JsonNode v = n.get(key);
        if (v == null || !v.isValueNode() || v.asText().isBlank()) {
            throw invalid("the answer lacks " + key, answer);
        }
        return v.asText();
    }

    private static long positive(JsonNode n, String key, Answer answer, String leaseId) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToLong() || v.asLong() <= 0) {
            throw invalid(key + " must be a positive integer", answer, leaseId);
        }
        return v.asLong();
    }

    private static ControlPlaneException invalid(String problem, Answer answer) {
        return invalid(problem, answer, null);
    }

    /** @param refusedLease a lease the answer granted that this worker will not run (given back), or null */
    private static ControlPlaneException invalid(String problem, Answer answer, String refusedLease) {
        return new ControlPlaneException(ControlPlaneException.Kind.INVALID, answer.status,
                "the control plane's answer cannot be used: " + problem + ": " + excerpt(answer.body), null,
                refusedLease);
    }

    private static String encode(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void count(String request, String result) {
        Counter.builder("cp.requests").description("requests to the control plane, by request and result")
                .tag("request", request).tag("result", result).register(registry).increment();
    }

    private void countError(String request, Throwable e) {
        count(request, e instanceof ControlPlaneException c ? c.kind().metric : "error");
    }
}
