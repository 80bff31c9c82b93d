package io.camflux.engine.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Who may change or see what a worker guards (drain, terminate, the admin API, camera pictures): a caller with
 * {@code Authorization: Bearer <token>} when a token is set, and otherwise only callers on loopback.
 */
final class Access {
    private final byte[] token;

    /** @param token null or blank: loopback callers only */
    Access(String token) {
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    boolean tokenSet() {
        return token != null;
    }

    /** Null when the caller may {@code what}; else the 401/403 answer. */
    Mono<Void> deny(HttpServerRequest req, HttpServerResponse res, String what) {
        if (token != null) {
            String auth = req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION, "");
            byte[] given = auth.startsWith("Bearer ") ? auth.substring(7).getBytes(StandardCharsets.UTF_8) : new byte[0];
            if (!MessageDigest.isEqual(token, given)) {
                return HttpAnswers.text(res, HttpResponseStatus.UNAUTHORIZED, "a bearer token is required\n");
            }
        } else if (!isLoopback(req.remoteAddress())) {
            return HttpAnswers.text(res, HttpResponseStatus.FORBIDDEN, "only loopback callers may " + what
                    + " without " + HealthServer.TOKEN_ENV + "\n");
        }
        return null;
    }

    private static boolean isLoopback(InetSocketAddress remote) {
        return remote != null && remote.getAddress() != null && remote.getAddress().isLoopbackAddress();
    }
}
