package io.camflux.engine.http;

import static io.camflux.engine.http.HttpAnswers.closing;
import static io.camflux.engine.http.HttpAnswers.json;
import static io.camflux.engine.http.HttpAnswers.notAllowed;
import static io.camflux.engine.http.HttpAnswers.notFound;
import static io.camflux.engine.http.HttpAnswers.only;

import io.camflux.engine.CameraChange;
import io.camflux.engine.config.ConfigException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The admin API on the camera set: {@code GET /sources}, {@code PUT} and {@code DELETE /sources/{camera_uuid}},
 * {@code POST /sources/{camera_uuid}/pause} and {@code /resume}; guarded by {@link Access}.
 */
final class AdminRoutes {
    /** An admin request's body may not be larger (a source is a few hundred bytes); larger ones are refused unread. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private final SourceAdmin sources;
    private final Access access;
    private final Duration bodyTimeout;

    /** @param bodyTimeout the most a request's body may take to arrive whole */
    AdminRoutes(SourceAdmin sources, Access access, Duration bodyTimeout) {
        this.sources = sources;
        this.access = access;
        this.bodyTimeout = bodyTimeout;
    }

    void addTo(HttpServerRoutes routes) {
        routes.route(req -> req.path().equals("sources") || req.path().startsWith("sources/"), this::admin);
    }

    /** {@code /sources[/{id}[/pause|/resume]]}. */
    private Mono<Void> admin(HttpServerRequest req, HttpServerResponse res) {
        Mono<Void> denied = access.deny(req, res, "change the camera set");
        if (denied != null) {
            return denied;
        }
        String[] parts = req.path().split("/");
        if (parts.length == 1) {
            return only(HttpMethod.GET, req, res, () -> json(res, HttpResponseStatus.OK, sources.sources()));
        }
        String id = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
        if (parts.length == 3 && (parts[2].equals("pause") || parts[2].equals("resume"))) {
            boolean pause = parts[2].equals("pause");
            return only(HttpMethod.POST, req, res, () -> change(res, pause ? sources.pause(id) : sources.resume(id),
                    HttpResponseStatus.OK));
        }
        if (parts.length != 2) {
            return notFound(res);
        }
        if (req.method().equals(HttpMethod.PUT)) {
            return body(req)
                    .flatMap(body -> change(res, sources.put(id, body), null))
                    .onErrorResume(BodyTooLarge.class, e -> closing(res, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                            "a source is at most " + MAX_BODY_BYTES + " bytes of JSON\n"))
                    .onErrorResume(TimeoutException.class, e -> closing(res, HttpResponseStatus.REQUEST_TIMEOUT,
                            "the body did not arrive within " + bodyTimeout.toSeconds() + " s\n"));
        }
        if (req.method().equals(HttpMethod.DELETE)) {
            return change(res, sources.remove(id), HttpResponseStatus.ACCEPTED);
        }
        return notAllowed(res, "PUT, DELETE");
    }

    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super(null, null, false, false);
        }
    }

    /**
     * The request's body as text: refused before reading when its declared length is over {@link #MAX_BODY_BYTES},
     * and as soon as what arrives is; it must arrive whole within the body timeout (a body trickled a byte at a time
     * never ends otherwise).
     */
    private Mono<String> body(HttpServerRequest req) {
        String declared = req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (declared != null && !declared.strip().matches("\\d{1,9}")
                || declared != null && Long.parseLong(declared.strip()) > MAX_BODY_BYTES) {
            return Mono.error(new BodyTooLarge());
        }
        return req.receive().asByteArray()
                .reduceWith(ByteArrayOutputStream::new, (out, bytes) -> {
                    if (out.size() + bytes.length > MAX_BODY_BYTES) {
                        throw new BodyTooLarge();
                    }
                    out.writeBytes(bytes);
                    return out;
                })
                .map(out -> out.toString(StandardCharsets.UTF_8))
                .defaultIfEmpty("")
                .timeout(bodyTimeout);
    }

    /** The change as JSON: {@code status}, or for a put 201 when added and 200 otherwise; errors as 400/404/409. */
    private static Mono<Void> change(HttpServerResponse res, Mono<CameraChange> change, HttpResponseStatus status) {
        return change.flatMap(c -> {
                    HttpResponseStatus s = status != null ? status
                            : c.kind() == CameraChange.Kind.ADDED ? HttpResponseStatus.CREATED : HttpResponseStatus.OK;
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("camera_uuid", c.cameraUuid());
                    body.put("change", c.kind().name().toLowerCase(Locale.ROOT));
                    return json(res, s, body);
                })
                .onErrorResume(ConfigException.class, e ->
                        json(res, HttpResponseStatus.BAD_REQUEST, Map.of("problems", e.problems())))
                .onErrorResume(NoSuchElementException.class, e ->
                        json(res, HttpResponseStatus.NOT_FOUND, Map.of("error", e.getMessage())))
                .onErrorResume(IllegalStateException.class, e ->
                        json(res, HttpResponseStatus.CONFLICT, Map.of("error", e.getMessage())))
                .onErrorResume(IllegalArgumentException.class, e ->
                        json(res, HttpResponseStatus.BAD_REQUEST, Map.of("problems", List.of(e.getMessage()))));
    }
}
