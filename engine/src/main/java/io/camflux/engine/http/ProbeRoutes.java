package io.camflux.engine.http;

import static io.camflux.engine.http.HttpAnswers.only;
import static io.camflux.engine.http.HttpAnswers.text;

import io.camflux.engine.config.HttpConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/** {@code GET /healthz}, {@code GET /ready}, {@code POST /drain}, {@code POST /terminate}. */
final class ProbeRoutes {
    private static final Logger log = LoggerFactory.getLogger(ProbeRoutes.class);
    private final HttpConfig config;
    private final Controls controls;
    private final Access access;

    ProbeRoutes(HttpConfig config, Controls controls, Access access, MeterRegistry registry) {
        this.config = config;
        this.controls = controls;
        this.access = access;
        Gauge.builder("worker.ready", this, p -> p.ready(true) ? 1 : 0)
                .description("1 while /ready?lease=optional answers 200 (a fleet standby counts as ready)")
                .register(registry);
    }

    void addTo(HttpServerRoutes routes) {
        routes.route(req -> req.path().equals("healthz"), (req, res) -> only(HttpMethod.GET, req, res, () -> {
                    boolean up = !controls.draining();
                    return text(res, up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            up ? "ok\n" : "draining\n");
                }))
                .route(req -> req.path().equals("ready"), (req, res) -> only(HttpMethod.GET, req, res,
                        () -> readiness(req, res)))
                .route(req -> req.path().equals("drain"), (req, res) -> only(HttpMethod.POST, req, res,
                        () -> mutate(req, res, "drain", controls::drain)))
                .route(req -> req.path().equals("terminate"), (req, res) -> only(HttpMethod.POST, req, res,
                        () -> mutate(req, res, "terminate", controls::terminate)));
    }

    private Mono<Void> readiness(HttpServerRequest req, HttpServerResponse res) {
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

    private Mono<Void> mutate(HttpServerRequest req, HttpServerResponse res, String what, Runnable action) {
        Mono<Void> denied = access.deny(req, res, what);
        if (denied != null) {
            return denied;
        }
        log.info("POST /{} from {}", what, req.remoteAddress());
        action.run();
        return text(res, HttpResponseStatus.ACCEPTED, what + " accepted\n");
    }
}
