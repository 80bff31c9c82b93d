package io.camflux.engine.http;

import io.camflux.engine.config.HttpConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The worker's two HTTP servers. {@code :8080}: the probes ({@link ProbeRoutes}: {@code /healthz}, {@code /ready},
 * {@code /drain}, {@code /terminate}), the status page and cameras ({@link StatusRoutes}) and the admin API on the
 * camera set ({@link AdminRoutes}), each a group of Reactor Netty routes; anything else is 404, a wrong method 405.
 * {@code :9108}: {@code GET /metrics}. Drain, terminate, snapshots and the admin API need
 * {@code Authorization: Bearer <token>} when a token is set ({@code CAMFLUX_HTTP_TOKEN}), and otherwise answer only
 * callers on loopback ({@link Access}).
 */
public final class HealthServer implements AutoCloseable {
    public static final String TOKEN_ENV = "CAMFLUX_HTTP_TOKEN";
    private static final Logger log = LoggerFactory.getLogger(HealthServer.class);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final HttpConfig config;
    private final PrometheusMeterRegistry registry;
    private final Access access;
    private final ProbeRoutes probes;
    private final StatusRoutes status;
    private final AdminRoutes admin;
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
        this.config = config;
        this.registry = registry;
        this.access = new Access(token);
        this.probes = new ProbeRoutes(config, controls, access, registry);
        this.status = status == null ? null : new StatusRoutes(status, access);
        this.admin = sources == null ? null : new AdminRoutes(sources, access, READ_TIMEOUT);
    }

    public HealthServer start() {
        health = bind(config.port(), "http.port", routes -> {
            probes.addTo(routes);
            if (status != null) {
                status.addTo(routes);
            }
            if (admin != null) {
                admin.addTo(routes);
            }
            routes.route(req -> true, (req, res) -> HttpAnswers.notFound(res));
        });
        try {
            metrics = bind(config.metricsPort(), "http.metrics_port", routes -> routes
                    .route(req -> req.path().equals("metrics"), this::metrics)
                    .route(req -> true, (req, res) -> HttpAnswers.notFound(res)));
        } catch (RuntimeException e) {
            health.disposeNow();
            throw e;
        }
        log.info("health on {}:{} (/healthz /ready /drain /terminate), metrics on {}:{}/metrics; drain and terminate {}",
                config.host(), health.port(), config.host(), metrics.port(),
                access.tokenSet() ? "need the bearer token" : "answer loopback callers only (no " + TOKEN_ENV + ")");
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
    private DisposableServer bind(int port, String key, Consumer<HttpServerRoutes> routes) {
        try {
            return HttpServer.create().host(config.host()).port(port)
                    .readTimeout(READ_TIMEOUT).requestTimeout(REQUEST_TIMEOUT).idleTimeout(IDLE_TIMEOUT)
                    .doOnChannelInit((observer, channel, remote) -> channel.pipeline().addAfter(
                            reactor.netty.NettyPipeline.HttpCodec, "camflux.headerDeadline",
                            new HeaderDeadline(READ_TIMEOUT)))
                    .route(routes).bindNow();
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

    public int port() {
        return health.port();
    }

    public int metricsPort() {
        return metrics.port();
    }

    private Mono<Void> metrics(HttpServerRequest req, HttpServerResponse res) {
        return HttpAnswers.only(HttpMethod.GET, req, res, () -> res.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                // rendered off the event loop, which the other probes share: a scrape of hundreds of cameras'
                // series takes a while on a loaded host, and /healthz must not wait behind it
                .sendString(Mono.fromCallable(registry::scrape).subscribeOn(Schedulers.boundedElastic())).then());
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
