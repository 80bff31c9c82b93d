package io.camflux.engine.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;

/**
 * etcd v3 through its JSON gateway ({@code /v3/...} on the client URL), over Reactor Netty: the few calls a fleet
 * needs (leases, range, put, delete, create-if-absent, watch). Keys and values are UTF-8 text here, base64 on the
 * wire. Each request goes to one endpoint; one that does not answer moves the next request to the next endpoint.
 * Every request is limited to {@code timeout}, the whole answer included, and counted in
 * {@code etcd_requests_total{request,result}}.
 */
public final class EtcdClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A key as etcd holds it; {@code lease} 0 when the key has none. */
    public record KeyValue(String key, String value, long createRevision, long modRevision, long lease) {
    }

    /** A request etcd answered with an error, or did not answer. */
    public static final class EtcdException extends RuntimeException {
        /** The endpoint gave no answer (refused, closed, timed out), as opposed to an answer that is an error. */
        final boolean noAnswer;

        EtcdException(String message, Throwable cause) {
            this(message, cause, false);
        }

        EtcdException(String message, Throwable cause, boolean noAnswer) {
            super(message, cause);
            this.noAnswer = noAnswer;
        }
    }

    private final List<URI> endpoints;
    private final AtomicInteger current = new AtomicInteger();
    private final HttpClient http;
    private final HttpClient watchHttp;
    private final Duration timeout;
    private final MeterRegistry registry;

    /** @param registry null: not counted (the shards CLI) */
    public EtcdClient(List<URI> endpoints, Duration timeout, MeterRegistry registry) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoint");
        }
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        this.registry = registry;
        HttpClient base = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), 30_000))
                .headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"));
        this.http = base.responseTimeout(timeout);
        this.watchHttp = base;
    }

    /** A new etcd lease of {@code ttl}; its id. */
    public Mono<Long> grant(Duration ttl) {
        ObjectNode body = JSON.createObjectNode().put("TTL", ttl.toSeconds());
        return call("grant", "/v3/lease/grant", body).map(n -> {
            long id = n.path("ID").asLong();
            if (id == 0 || n.path("TTL").asLong() <= 0) {
                throw new EtcdException("lease grant: no lease in the answer: " + n, null);
            }
            return id;
        });
    }

    /** Keeps the lease alive once; its time to live now, 0 when etcd no longer has it (expired or revoked). */
    public Mono<Long> keepAlive(long leaseId) {
        ObjectNode body = JSON.createObjectNode().put("ID", Long.toString(leaseId));
        return call("keepalive", "/v3/lease/keepalive", body).map(n -> n.path("result").path("TTL").asLong(0));
    }

    /** Ends the lease and deletes every key attached to it. */
    public Mono<Void> revoke(long leaseId) {
        ObjectNode body = JSON.createObjectNode().put("ID", Long.toString(leaseId));
        return call("revoke", "/v3/lease/revoke", body)
                .onErrorResume(e -> e.getMessage() != null && e.getMessage().contains("requested lease not found"),
                        e -> Mono.just(JSON.createObjectNode()))
                .then();
    }

    /** Keys and the store's revision they were read at. */
    public record Snapshot(long revision, List<KeyValue> keyValues) {
    }

    /** Every key under {@code prefix}, in key order, with the revision they were read at. */
    public Mono<Snapshot> range(String prefix) {
        ObjectNode body = JSON.createObjectNode().put("key", b64(prefix)).put("range_end", prefixEnd(prefix));
        return call("range", "/v3/kv/range", body).map(n -> new Snapshot(n.path("header").path("revision").asLong(),
                keyValues(n.path("kvs"))));
    }

    /** One key, or empty. */
    public Mono<KeyValue> get(String key) {
        ObjectNode body = JSON.createObjectNode().put("key", b64(key));
        return call("range", "/v3/kv/range", body).flatMap(n -> Mono.justOrEmpty(
                keyValues(n.path("kvs")).stream().findFirst()));
    }

    /** Writes the key; {@code leaseId} 0 for none. */
    public Mono<Long> put(String key, String value, long leaseId) {
        return call("put", "/v3/kv/put", putRequest(key, value, leaseId))
                .map(n -> n.path("header").path("revision").asLong());
    }

    /** Deletes the key; whether it existed. */
    public Mono<Boolean> delete(String key) {
        ObjectNode body = JSON.createObjectNode().put("key", b64(key));
        return call("delete", "/v3/kv/deleterange", body).map(n -> n.path("deleted").asLong() > 0);
    }

    /**
     * Creates {@code key} under the lease only if it does not exist (a transaction); the revision that created it
     * (its create revision: a number no later creation of any key goes below), or empty when it existed.
     */
    public Mono<Long> createIfAbsent(String key, String value, long leaseId) {
        ObjectNode txn = JSON.createObjectNode();
        txn.putArray("compare").addObject().put("key", b64(key)).put("target", "CREATE").put("create_revision", "0");
        txn.putArray("success").addObject().set("request_put", putRequest(key, value, leaseId));
        return call("create", "/v3/kv/txn", txn).flatMap(n -> n.path("succeeded").asBoolean(false)
                ? Mono.just(n.path("header").path("revision").asLong()) : Mono.empty());
    }

    /** Deletes {@code key} only if it is still the one created at {@code createRevision}; whether it was. */
    public Mono<Boolean> deleteIfCreatedAt(String key, long createRevision) {
        ObjectNode txn = JSON.createObjectNode();
        txn.putArray("compare").addObject().put("key", b64(key)).put("target", "CREATE")
                .put("create_revision", Long.toString(createRevision));
        txn.putArray("success").addObject().putObject("request_delete_range").put("key", b64(key));
        return call("delete", "/v3/kv/txn", txn).map(n -> n.path("succeeded").asBoolean(false));
    }

    /**
     * A signal for each batch of changes under {@code prefix} (the content is not parsed: a watcher reads the state
     * again, which is what it needs); completes or fails when the stream ends, and the caller watches again.
     */
    public Flux<String> watch(String prefix) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("create_request").put("key", b64(prefix)).put("range_end", prefixEnd(prefix));
        URI endpoint = endpoint();
        return watchHttp.post().uri(endpoint + "/v3/watch")
                .send(ByteBufMono.fromString(Mono.just(body.toString())))
                .responseContent().asString(StandardCharsets.UTF_8)
                .doOnError(e -> failedOver(endpoint));
    }

    private static ObjectNode putRequest(String key, String value, long leaseId) {
        ObjectNode put = JSON.createObjectNode().put("key", b64(key)).put("value", b64(value));
        if (leaseId != 0) {
            put.put("lease", Long.toString(leaseId));
        }
        return put;
    }

    private URI endpoint() {
        return endpoints.get(current.get());
    }

    /** The next request goes to the endpoint after {@code from}, unless another failure moved it already. */
    private void failedOver(URI from) {
        int i = endpoints.indexOf(from);
        current.compareAndSet(i, (i + 1) % endpoints.size());
    }

    /**
     * One request, on the current endpoint; when it gets no answer (a member down, or one without a leader while the
     * others elect one) it is tried at once on the next endpoint, each endpoint once: waiting for the caller's retry
     * would spend the fence's margin on the same member. An answer, even an error, is not tried again.
     */
    private Mono<JsonNode> call(String request, String path, ObjectNode body) {
        return Mono.defer(() -> attempt(request, path, body))
                .retryWhen(reactor.util.retry.Retry.max(endpoints.size() - 1L)
                        .filter(e -> e instanceof EtcdException x && x.noAnswer)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()));
    }

    private Mono<JsonNode> attempt(String request, String path, ObjectNode body) {
        URI endpoint = endpoint();
        return http.post().uri(endpoint + path)
                .send(ByteBufMono.fromString(Mono.just(body.toString())))
                .responseSingle((res, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                        .map(text -> answer(request, endpoint, res.status().code(), text)))
                .timeout(timeout)
                .publishOn(Schedulers.boundedElastic())
                .onErrorMap(e -> !(e instanceof EtcdException), e -> {
                    failedOver(endpoint);
                    return new EtcdException("etcd " + request + " at " + endpoint + ": no answer ("
                            + (e instanceof java.util.concurrent.TimeoutException ? "timed out after "
                            + timeout.toMillis() + " ms" : e.getMessage() == null ? e.getClass().getSimpleName()
                            : e.getMessage()) + ")", e, true);
                })
                .doOnNext(n -> count(request, "ok"))
                .doOnError(e -> count(request, "error"));
    }

    private static JsonNode answer(String request, URI endpoint, int status, String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new EtcdException("etcd " + request + " at " + endpoint + ": answer " + status + " is not JSON", e);
        }
        if (status != 200 || n == null || n.has("error")) {
            String error = n == null ? text : n.path("error").asText(n.path("message").asText(text));
            throw new EtcdException("etcd " + request + " at " + endpoint + ": " + status + " " + error, null);
        }
        return n;
    }

    private void count(String request, String result) {
        if (registry != null) {
            Counter.builder("etcd.requests").description("requests to etcd, by request and result")
                    .tag("request", request).tag("result", result).register(registry).increment();
        }
    }

    private static List<KeyValue> keyValues(JsonNode kvs) {
        List<KeyValue> out = new ArrayList<>();
        if (kvs instanceof ArrayNode array) {
            for (JsonNode kv : array) {
                out.add(new KeyValue(text(kv.path("key").asText("")), text(kv.path("value").asText("")),
                        kv.path("create_revision").asLong(), kv.path("mod_revision").asLong(),
                        kv.path("lease").asLong()));
            }
        }
        return out;
    }

    /** The end of the range of keys that start with {@code prefix} (its last byte plus one), in base64. */
    static String prefixEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        b[b.length - 1]++;
        return Base64.getEncoder().encodeToString(b);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }
}
