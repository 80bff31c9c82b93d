package io.camflux.engine.http;

import io.camflux.engine.config.HttpConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code :8080} {@code GET /healthz}, {@code GET /ready}, {@code POST /drain}, {@code POST /terminate}, and the
 * admin API on the camera set: {@code GET /sources}, {@code PUT} and {@code DELETE /sources/{camera_uuid}},
 * {@code POST /sources/{camera_uuid}/pause} and {@code /resume}; {@code :9108} {@code GET /metrics}. Drain,
 * terminate and the admin API need {@code Authorization: Bearer <token>} when a token is set
 * ({@code CAMFLUX_HTTP_TOKEN}), and otherwise answer only callers on loopback.
 */
public final class HealthServer implements AutoCloseable {
    public static final String TOKEN_ENV = "CAMFLUX_HTTP_TOKEN";
    private static final Logger log = LoggerFactory.getLogger(HealthServer.class);

    private final HttpConfig config;
    private final Controls controls;
    private final SourceAdmin sources;
    private final StatusPage status;
    private final PrometheusMeterRegistry registry;
    private final byte[] token;
    private DisposableServer health;
    private DisposableServer metrics;

    public HealthServer(HttpConfig config, Controls controls, PrometheusMeterRegistry registry, String token) {
        this(config, controls, null, registry, token);
    }

    /** With {@code sources} null there is no admin API (404). */
    public HealthServer(HttpConfig config, Controls controls, SourceAdmin sources, PrometheusMeterRegistry registry,
                        String token) {
        this(config, controls, sources, null, registry, token);
    }

    /** With {@code status} null there is no status page (404). */
    public HealthServer(HttpConfig config, Controls controls, SourceAdmin sources, StatusPage status,
                        PrometheusMeterRegistry registry, String token) {
        this.status = status;
        this.config = config;
        this.controls = controls;
        this.sources = sources;
        this.registry = registry;
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
        io.micrometer.core.instrument.Gauge.builder("worker.ready", this, h -> h.ready(true) ? 1 : 0)
                .description("1 while /ready?lease=optional answers 200 (a fleet standby counts as ready)")
                .register(registry);
    }

    /** As {@code /ready} answers; {@code standbyOk}: a fleet worker without a lease counts as ready. */
    private boolean ready(boolean standbyOk) {
        int streaming = controls.camerasStreaming(), total = controls.camerasTotal();
        return !controls.draining() && controls.brokerReady() && (controls.leaseHeld()
                ? total > 0 && streaming >= config.readyQuorum() * total : standbyOk);
    }

    /** Why {@code /ready} answers 503, in words for the operator who asks. */
    private String notReadyBecause(int streaming, int total, boolean broker, boolean lease, boolean standbyOk) {
        if (controls.draining()) {
            return "draining";
        }
        if (!broker) {
            return "the broker is not connected";
        }
        if (!lease && !standbyOk) {
            return "no lease: this worker holds no shard (add ?lease=optional to count a healthy standby as ready)";
        }
        if (total == 0) {
            return "no camera to stream: every camera is paused, or none is configured";
        }
        return String.format(Locale.ROOT, "%d of %d cameras streaming, fewer than the quorum of %.0f%%", streaming,
                total, config.readyQuorum() * 100);
    }

    public HealthServer start() {
        health = bind(config.port(), "http.port", this::health);
        try {
            metrics = bind(config.metricsPort(), "http.metrics_port", this::metrics);
        } catch (RuntimeException e) {
            health.disposeNow();
            throw e;
        }
        log.info("health on {}:{} (/healthz /ready /drain /terminate), metrics on {}:{}/metrics; drain and terminate {}",
                config.host(), health.port(), config.host(), metrics.port(),
                token != null ? "need the bearer token" : "answer loopback callers only (no " + TOKEN_ENV + ")");
        return this;
    }

    /** A port that cannot be listened on: the message says which and why, in one line. */
    public static final class BindFailure extends RuntimeException {
        BindFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A server on {@code port}. A request's headers must all arrive within {@link #READ_TIMEOUT} of the connection
     * (or the previous response): a client that sends them a byte at a time is cut off ({@link HeaderDeadline});
     * its body within {@link #REQUEST_TIMEOUT}; idle keep-alive connections close after {@link #IDLE_TIMEOUT}.
     */
    private DisposableServer bind(int port, String key,
                                  java.util.function.BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
        try {
            return HttpServer.create().host(config.host()).port(port)
                    .readTimeout(READ_TIMEOUT).requestTimeout(REQUEST_TIMEOUT).idleTimeout(IDLE_TIMEOUT)
                    .doOnChannelInit((observer, channel, remote) -> channel.pipeline().addAfter(
                            reactor.netty.NettyPipeline.HttpCodec, "camflux.headerDeadline",
                            new HeaderDeadline(READ_TIMEOUT)))
                    .handle(handler).bindNow();
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root instanceof java.net.BindException || String.valueOf(root.getMessage()).contains("in use")
                    ? "the address is already in use" : root.getMessage() == null ? root.toString() : root.getMessage();
            throw new BindFailure("cannot listen on " + config.host() + ":" + port + " (" + key + "): " + why, e);
        }
    }

    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    public int port() {
        return health.port();
    }

    public int metricsPort() {
        return metrics.port();
    }

    private Publisher<Void> health(HttpServerRequest req, HttpServerResponse res) {
        String path = req.path().isEmpty() ? "/" : "/" + req.path();
        return switch (path) {
            case "/healthz" -> only(HttpMethod.GET, req, res, () -> {
                boolean up = !controls.draining();
                return text(res, up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        up ? "ok\n" : "draining\n");
            });
            case "/ready" -> only(HttpMethod.GET, req, res, () -> {
                int streaming = controls.camerasStreaming(), total = controls.camerasTotal();
                boolean broker = controls.brokerReady();
                boolean lease = controls.leaseHeld();
                // a fleet's standby (no lease) may count as ready to an orchestrator that asks so (deploy/)
                boolean standbyOk = req.uri().contains("lease=optional");
                boolean ready = ready(standbyOk);
                String body = String.format(Locale.ROOT, "{\"ready\":%b,\"cameras\":\"%d/%d\"%s%s%s}", ready, streaming,
                        total, broker ? "" : ",\"broker\":\"disconnected\"", lease ? "" : ",\"lease\":\"none\"",
                        ready ? "" : ",\"reason\":\"" + notReadyBecause(streaming, total, broker, lease, standbyOk) + "\"");
                return res.status(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE)
                        .header(HttpHeaderNames.CONTENT_TYPE, "application/json").sendString(Mono.just(body)).then();
            });
            case "/drain" -> only(HttpMethod.POST, req, res, () -> mutate(req, res, "drain", controls::drain));
            case "/terminate" -> only(HttpMethod.POST, req, res, () -> mutate(req, res, "terminate", controls::terminate));
            case "/" -> status == null ? text(res, HttpResponseStatus.NOT_FOUND, "not found\n")
                    : only(HttpMethod.GET, req, res, () -> page(res));
            case "/cameras" -> status == null ? text(res, HttpResponseStatus.NOT_FOUND, "not found\n")
                    : only(HttpMethod.GET, req, res, () -> json(res, HttpResponseStatus.OK,
                            java.util.Map.of("cameras", status.cameras())));
            default -> path.equals("/sources") || path.startsWith("/sources/") ? admin(path, req, res)
                    : path.startsWith("/cameras/") && path.endsWith("/snapshot.jpg") && status != null
                    ? snapshot(path, req, res)
                    : text(res, HttpResponseStatus.NOT_FOUND, "not found\n");
        };
    }

    /** {@code /sources[/{id}[/pause|/resume]]}. */
    private static final byte[] PAGE = page();

    private static byte[] page() {
        try (java.io.InputStream in = HealthServer.class.getResourceAsStream("status.html")) {
            return in.readAllBytes();
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalStateException("the status page is missing from the jar", e);
        }
    }

    private static Mono<Void> page(HttpServerResponse res) {
        return res.status(HttpResponseStatus.OK).header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .sendByteArray(Mono.just(PAGE)).then();
    }

    /** A camera's picture shows people: the same protection as /drain (the token, or loopback without one). */
    private Publisher<Void> snapshot(String path, HttpServerRequest req, HttpServerResponse res) {
        Mono<Void> denied = authorize(req, res, "see a camera's picture");
        if (denied != null) {
            return denied;
        }
        String id = java.net.URLDecoder.decode(path.substring("/cameras/".length(), path.length()
                - "/snapshot.jpg".length()), StandardCharsets.UTF_8);
        if (!status.has(id)) {
            return text(res, HttpResponseStatus.NOT_FOUND, "no camera " + id + "\n");
        }
        return only(HttpMethod.GET, req, res, () -> status.snapshot(id)
                .flatMap(jpeg -> res.status(HttpResponseStatus.OK).header(HttpHeaderNames.CONTENT_TYPE, "image/jpeg")
                        .header(HttpHeaderNames.CACHE_CONTROL, "no-store").sendByteArray(Mono.just(jpeg)).then())
                .switchIfEmpty(Mono.defer(() -> text(res, HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "camera " + id + " had no inferred frame within 5 s (not streaming, or no motion)\n"))));
    }

    private Publisher<Void> admin(String path, HttpServerRequest req, HttpServerResponse res) {
        if (sources == null) {
            return text(res, HttpResponseStatus.NOT_FOUND, "not found\n");
        }
        Mono<Void> denied = authorize(req, res, "change the camera set");
        if (denied != null) {
            return denied;
        }
        String[] parts = path.substring(1).split("/");
        if (parts.length == 1) {
            return only(HttpMethod.GET, req, res, () -> json(res, HttpResponseStatus.OK, sources.sources()));
        }
        String id = java.net.URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
        if (parts.length == 3 && (parts[2].equals("pause") || parts[2].equals("resume"))) {
            boolean pause = parts[2].equals("pause");
            return only(HttpMethod.POST, req, res, () -> change(res, pause ? sources.pause(id) : sources.resume(id),
                    HttpResponseStatus.OK));
        }
        if (parts.length != 2) {
            return text(res, HttpResponseStatus.NOT_FOUND, "not found\n");
        }
        if (req.method().equals(HttpMethod.PUT)) {
            return body(req)
                    .flatMap(body -> change(res, sources.put(id, body), null))
                    .onErrorResume(BodyTooLarge.class, e -> closing(res, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                            "a source is at most " + MAX_BODY_BYTES + " bytes of JSON\n"))
                    .onErrorResume(java.util.concurrent.TimeoutException.class, e -> closing(res,
                            HttpResponseStatus.REQUEST_TIMEOUT, "the body did not arrive within "
                                    + READ_TIMEOUT.toSeconds() + " s\n"));
        }
        if (req.method().equals(HttpMethod.DELETE)) {
            return change(res, sources.remove(id), HttpResponseStatus.ACCEPTED);
        }
        return res.status(HttpResponseStatus.METHOD_NOT_ALLOWED).header(HttpHeaderNames.ALLOW, "PUT, DELETE")
                .sendString(Mono.just("method not allowed\n")).then();
    }

    /** An admin request's body may not be larger (a source is a few hundred bytes); larger ones are refused unread. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super(null, null, false, false);
        }
    }

    /**
     * The request's body as text: refused before reading when its declared length is over {@link #MAX_BODY_BYTES},
     * and as soon as what arrives is; it must arrive whole within {@link #READ_TIMEOUT} (a body trickled a byte at a
     * time never ends otherwise).
     */
    private static Mono<String> body(HttpServerRequest req) {
        String declared = req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (declared != null && !declared.strip().matches("\\d{1,9}")
                || declared != null && Long.parseLong(declared.strip()) > MAX_BODY_BYTES) {
            return Mono.error(new BodyTooLarge());
        }
        return req.receive().asByteArray()
                .reduceWith(java.io.ByteArrayOutputStream::new, (out, bytes) -> {
                    if (out.size() + bytes.length > MAX_BODY_BYTES) {
                        throw new BodyTooLarge();
                    }
                    out.writeBytes(bytes);
                    return out;
                })
                .map(out -> out.toString(StandardCharsets.UTF_8))
                .defaultIfEmpty("")
                .timeout(READ_TIMEOUT);
    }

    /** An error answer after which the connection closes (the rest of the request is not read). */
    private static Mono<Void> closing(HttpServerResponse res, HttpResponseStatus status, String text) {
        return res.status(status).header(HttpHeaderNames.CONNECTION, "close")
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").sendString(Mono.just(text)).then();
    }

    /** The change as JSON: {@code status}, or for a put 201 when added and 200 otherwise; errors as 400/404/409. */
    private Mono<Void> change(HttpServerResponse res, Mono<io.camflux.engine.CameraChange> change,
                              HttpResponseStatus status) {
        return change.flatMap(c -> {
                    HttpResponseStatus s = status != null ? status
                            : c.kind() == io.camflux.engine.CameraChange.Kind.ADDED ? HttpResponseStatus.CREATED
                            : HttpResponseStatus.OK;
                    java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
                    body.put("camera_uuid", c.cameraUuid());
                    body.put("change", c.kind().name().toLowerCase(Locale.ROOT));
                    return json(res, s, body);
                })
                .onErrorResume(io.camflux.engine.config.ConfigException.class, e ->
                        json(res, HttpResponseStatus.BAD_REQUEST, java.util.Map.of("problems", e.problems())))
                .onErrorResume(java.util.NoSuchElementException.class, e ->
                        json(res, HttpResponseStatus.NOT_FOUND, java.util.Map.of("error", e.getMessage())))
                .onErrorResume(IllegalStateException.class, e ->
                        json(res, HttpResponseStatus.CONFLICT, java.util.Map.of("error", e.getMessage())))
                .onErrorResume(IllegalArgumentException.class, e ->
                        json(res, HttpResponseStatus.BAD_REQUEST, java.util.Map.of("problems", java.util.List.of(e.getMessage()))));
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static Mono<Void> json(HttpServerResponse res, HttpResponseStatus status, Object body) {
        String text;
        try {
            text = JSON.writeValueAsString(body) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return text(res, HttpResponseStatus.INTERNAL_SERVER_ERROR, e.getMessage() + "\n");
        }
        return res.status(status).header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just(text)).then();
    }

    private Publisher<Void> metrics(HttpServerRequest req, HttpServerResponse res) {
        if (!("/" + req.path()).equals("/metrics")) {
            return text(res, HttpResponseStatus.NOT_FOUND, "not found\n");
        }
        return only(HttpMethod.GET, req, res, () -> res.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                // rendered off the event loop, which the other probes share: a scrape of hundreds of cameras'
                // series takes a while on a loaded host, and /healthz must not wait behind it
                .sendString(Mono.fromCallable(registry::scrape).subscribeOn(Schedulers.boundedElastic())).then());
    }

    private Mono<Void> mutate(HttpServerRequest req, HttpServerResponse res, String what, Runnable action) {
        Mono<Void> denied = authorize(req, res, what);
        if (denied != null) {
            return denied;
        }
        log.info("POST /{} from {}", what, req.remoteAddress());
        action.run();
        return text(res, HttpResponseStatus.ACCEPTED, what + " accepted\n");
    }

    /** Null when the caller may; else the 401/403 answer. */
    private Mono<Void> authorize(HttpServerRequest req, HttpServerResponse res, String what) {
        if (token != null) {
            String auth = req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION, "");
            byte[] given = auth.startsWith("Bearer ") ? auth.substring(7).getBytes(StandardCharsets.UTF_8) : new byte[0];
            if (!MessageDigest.isEqual(token, given)) {
                return text(res, HttpResponseStatus.UNAUTHORIZED, "a bearer token is required\n");
            }
        } else if (!isLoopback(req.remoteAddress())) {
            return text(res, HttpResponseStatus.FORBIDDEN, "only loopback callers may " + what + " without "
                    + TOKEN_ENV + "\n");
        }
        return null;
    }

    private static boolean isLoopback(InetSocketAddress remote) {
        return remote != null && remote.getAddress() != null && remote.getAddress().isLoopbackAddress();
    }

    private static Mono<Void> only(HttpMethod method, HttpServerRequest req, HttpServerResponse res,
                                   java.util.function.Supplier<Mono<Void>> handler) {
        // HEAD wherever GET is served (probes that use it); Netty's codec sends no body for it
        boolean head = method.equals(HttpMethod.GET) && req.method().equals(HttpMethod.HEAD);
        if (!req.method().equals(method) && !head) {
            return res.status(HttpResponseStatus.METHOD_NOT_ALLOWED).header(HttpHeaderNames.ALLOW, method.equals(HttpMethod.GET) ? "GET, HEAD" : method.name())
                    .sendString(Mono.just("method not allowed\n")).then();
        }
        return handler.get();
    }

    private static Mono<Void> text(HttpServerResponse res, HttpResponseStatus status, String body) {
        return res.status(status).header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .sendString(Mono.just(body)).then();
    }

    @Override
    public void close() {
        if (health != null) {
            health.disposeNow();
        }
        if (metrics != null) {
            metrics.disposeNow();
        }
    }
}
