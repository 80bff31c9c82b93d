package io.camflux.engine.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/** The answers every route gives the same way: text, JSON, 404, 405 with {@code Allow}, and closing errors. */
final class HttpAnswers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpAnswers() {
    }

    /** The request's path with its leading slash ({@code /} for the root). */
    static String path(HttpServerRequest req) {
        return req.path().isEmpty() ? "/" : "/" + req.path();
    }

    static Mono<Void> text(HttpServerResponse res, HttpResponseStatus status, String body) {
        return res.status(status).header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .sendString(Mono.just(body)).then();
    }

    static Mono<Void> notFound(HttpServerResponse res) {
        return text(res, HttpResponseStatus.NOT_FOUND, "not found\n");
    }

    static Mono<Void> json(HttpServerResponse res, HttpResponseStatus status, Object body) {
        String text;
        try {
            text = JSON.writeValueAsString(body) + "\n";
        } catch (JsonProcessingException e) {
            return text(res, HttpResponseStatus.INTERNAL_SERVER_ERROR, e.getMessage() + "\n");
        }
        return res.status(status).header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just(text)).then();
    }

    /** An error answer after which the connection closes (the rest of the request is not read). */
    static Mono<Void> closing(HttpServerResponse res, HttpResponseStatus status, String text) {
        return res.status(status).header(HttpHeaderNames.CONNECTION, "close")
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").sendString(Mono.just(text)).then();
    }

    /** {@code handler} for {@code method} (and HEAD wherever GET is served: probes use it); else 405. */
    static Mono<Void> only(HttpMethod method, HttpServerRequest req, HttpServerResponse res,
                           Supplier<Mono<Void>> handler) {
        // Netty's codec sends no body for HEAD
        boolean head = method.equals(HttpMethod.GET) && req.method().equals(HttpMethod.HEAD);
        if (!req.method().equals(method) && !head) {
            return notAllowed(res, method.equals(HttpMethod.GET) ? "GET, HEAD" : method.name());
        }
        return handler.get();
    }

    static Mono<Void> notAllowed(HttpServerResponse res, String allow) {
        return res.status(HttpResponseStatus.METHOD_NOT_ALLOWED).header(HttpHeaderNames.ALLOW, allow)
                .sendString(Mono.just("method not allowed\n")).then();
    }
}
