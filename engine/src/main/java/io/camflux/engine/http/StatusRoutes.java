package io.camflux.engine.http;

import static io.camflux.engine.http.HttpAnswers.json;
import static io.camflux.engine.http.HttpAnswers.only;
import static io.camflux.engine.http.HttpAnswers.text;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/** {@code GET /} (the status page), {@code GET /cameras}, {@code GET /cameras/{id}/snapshot.jpg}. */
final class StatusRoutes {
    private static final String CAMERAS = "/cameras/";
    private static final String SNAPSHOT = "/snapshot.jpg";
    private static final byte[] PAGE = page();

    private final StatusPage status;
    private final Access access;

    StatusRoutes(StatusPage status, Access access) {
        this.status = status;
        this.access = access;
    }

    void addTo(HttpServerRoutes routes) {
        routes.route(req -> req.path().isEmpty(), (req, res) -> only(HttpMethod.GET, req, res, () -> page(res)))
                .route(req -> req.path().equals("cameras"), (req, res) -> only(HttpMethod.GET, req, res,
                        () -> json(res, HttpResponseStatus.OK, Map.of("cameras", status.cameras()))))
                .route(StatusRoutes::isSnapshot, this::snapshot);
    }

    /** {@code /cameras/{id}/snapshot.jpg} with an id. */
    private static boolean isSnapshot(HttpServerRequest req) {
        String path = HttpAnswers.path(req);
        return path.startsWith(CAMERAS) && path.endsWith(SNAPSHOT) && path.length() > CAMERAS.length() + SNAPSHOT.length();
    }

    private static byte[] page() {
        try (InputStream in = StatusRoutes.class.getResourceAsStream("status.html")) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the status page is missing from the jar", e);
        }
    }

    private static Mono<Void> page(HttpServerResponse res) {
        return res.status(HttpResponseStatus.OK).header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .sendByteArray(Mono.just(PAGE)).then();
    }

    /** A camera's picture shows people: the same protection as /drain (the token, or loopback without one). */
    private Mono<Void> snapshot(HttpServerRequest req, HttpServerResponse res) {
        Mono<Void> denied = access.deny(req, res, "see a camera's picture");
        if (denied != null) {
            return denied;
        }
        String path = HttpAnswers.path(req);
        String id = URLDecoder.decode(path.substring(CAMERAS.length(), path.length() - SNAPSHOT.length()),
                StandardCharsets.UTF_8);
        if (!status.has(id)) {
            return text(res, HttpResponseStatus.NOT_FOUND, "no camera " + id + "\n");
        }
        return only(HttpMethod.GET, req, res, () -> status.snapshot(id)
                .flatMap(jpeg -> res.status(HttpResponseStatus.OK).header(HttpHeaderNames.CONTENT_TYPE, "image/jpeg")
                        .header(HttpHeaderNames.CACHE_CONTROL, "no-store").sendByteArray(Mono.just(jpeg)).then())
                .switchIfEmpty(Mono.defer(() -> text(res, HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "camera " + id + " had no inferred frame within 5 s (not streaming, or no motion)\n"))));
    }
}
