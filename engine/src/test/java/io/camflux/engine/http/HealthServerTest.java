package io.camflux.engine.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.camflux.engine.config.HttpConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The health and metrics endpoints over real HTTP. */
class HealthServerTest {
    private final HttpClient client = HttpClient.newHttpClient();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final FakeControls controls = new FakeControls();
    private HealthServer server;

    static final class FakeControls implements Controls {
        volatile boolean draining;
        volatile int streaming = 4;
        volatile int total = 5;
        final AtomicInteger drains = new AtomicInteger();
        final AtomicInteger terminates = new AtomicInteger();

        public boolean draining() {
            return draining;
        }

        public int camerasStreaming() {
            return streaming;
        }

        public int camerasTotal() {
            return total;
        }

        public void drain() {
            drains.incrementAndGet();
        }

        public void terminate() {
            terminates.incrementAndGet();
        }
    }

    private HealthServer start(String host, String token) {
        server = new HealthServer(new HttpConfig(host, 0, 0, 0.8, Duration.ofSeconds(5)), controls, registry, token)
                .start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> call(String method, String url, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody());
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String health(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    @Test
    void healthzAndReadyFollowStateAndQuorum() throws Exception {
        start("127.0.0.1", null);
        assertEquals(200, call("GET", health("/healthz"), null).statusCode());
        HttpResponse<String> ready = call("GET", health("/ready"), null);
        assertEquals(200, ready.statusCode(), "4 of 5 streaming meets the 80% quorum");
        assertEquals("{\"ready\":true,\"cameras\":\"4/5\"}", ready.body());
        controls.streaming = 3;
        ready = call("GET", health("/ready"), null);
        assertEquals(503, ready.statusCode());
        assertEquals("{\"ready\":false,\"cameras\":\"3/5\",\"reason\":\"3 of 5 cameras streaming, fewer than the"
                + " quorum of 80%\"}", ready.body());
        controls.streaming = 0;
        controls.total = 0;
        ready = call("GET", health("/ready"), null);
        assertEquals(503, ready.statusCode(), "every camera paused");
        assertTrue(ready.body().contains("\"reason\":\"no camera to stream: every camera is paused, or none is"
                + " configured\""), ready.body());
        controls.streaming = 5;
        controls.total = 5;
        controls.draining = true;
        assertEquals(503, call("GET", health("/healthz"), null).statusCode());
        ready = call("GET", health("/ready"), null);
        assertEquals(503, ready.statusCode());
        assertTrue(ready.body().contains("\"reason\":\"draining\""), ready.body());
    }

    @Test
    void wrongMethodsAndUnknownPaths() throws Exception {
        start("127.0.0.1", null);
        HttpResponse<String> r = call("POST", health("/healthz"), null);
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""));
        assertEquals(405, call("GET", health("/drain"), null).statusCode());
        assertEquals(404, call("GET", health("/nope"), null).statusCode());
        assertEquals(404, call("GET", "http://127.0.0.1:" + server.metricsPort() + "/other", null).statusCode());
        assertEquals(0, controls.drains.get());
    }

    @Test
    void withoutATokenOnlyLoopbackMayDrain() throws Exception {
        start("0.0.0.0", null);
        assertEquals(202, call("POST", health("/drain"), null).statusCode());
        assertEquals(202, call("POST", health("/terminate"), null).statusCode());
        assertEquals(1, controls.drains.get());
        assertEquals(1, controls.terminates.get());
        InetAddress other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (java.net.SocketException e) {
                        return false;
                    }
                })
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address).findFirst().orElse(null);
        assumeTrue(other != null, "no non-loopback address on this machine");
        HttpResponse<String> r = call("POST", "http://" + other.getHostAddress() + ":" + server.port() + "/drain", null);
        assertEquals(403, r.statusCode(), r.body());
        assertEquals(1, controls.drains.get());
    }

    @Test
    void withATokenTheBearerMustMatch() throws Exception {
        start("127.0.0.1", "s3cret");
        assertEquals(401, call("POST", health("/drain"), null).statusCode());
        assertEquals(401, call("POST", health("/drain"), "Bearer wrong").statusCode());
        assertEquals(401, call("POST", health("/terminate"), "s3cret").statusCode());
        assertEquals(0, controls.drains.get() + controls.terminates.get());
        assertEquals(202, call("POST", health("/drain"), "Bearer s3cret").statusCode());
        assertEquals(1, controls.drains.get());
    }

    @Test
    void metricsAreServedInPrometheusFormat() throws Exception {
        Counter.builder("detections.published").tag("camera_uuid", "cam-1").register(registry).increment(3);
        start("127.0.0.1", null);
        HttpResponse<String> r = call("GET", "http://127.0.0.1:" + server.metricsPort() + "/metrics", null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(r.body().contains("detections_published_total{camera_uuid=\"cam-1\"} 3.0"), r.body());
    }

    @Test
    void headIsAnsweredWhereGetIs() throws Exception {
        start("127.0.0.1", null);
        HttpResponse<String> head = call("HEAD", health("/healthz"), null);
        assertEquals(200, head.statusCode(), "probes that use HEAD");
        assertEquals("", head.body());
        assertEquals(200, call("HEAD", health("/ready"), null).statusCode());
        assertEquals(200, call("HEAD", "http://127.0.0.1:" + server.metricsPort() + "/metrics", null).statusCode());
        assertEquals(405, call("HEAD", health("/drain"), null).statusCode());
    }

    @Test
    void aBusyPortIsOneLineNamingTheKey() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            HealthServer busy = new HealthServer(new HttpConfig("127.0.0.1", taken.getLocalPort(), 0, 0.8,
                    Duration.ofSeconds(5)), controls, registry, null);
            HealthServer.BindFailure e = org.junit.jupiter.api.Assertions.assertThrows(HealthServer.BindFailure.class,
                    busy::start);
            assertEquals("cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + " (http.port): the address is already in use", e.getMessage());
        }
    }

    @Test
    void aClientThatSendsItsHeadersSlowlyIsCutOff() throws Exception {
        start("127.0.0.1", null);
        long started = System.nanoTime();
        try (java.net.Socket slow = new java.net.Socket("127.0.0.1", server.port())) {
            slow.setSoTimeout(60_000);
            java.io.OutputStream out = slow.getOutputStream();
            out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // the request never ends: within the read timeout the server closes the connection
            int read = slow.getInputStream().read();
            double after = (System.nanoTime() - started) / 1e9;
            assertEquals(-1, read, "closed without an answer");
            assertTrue(after >= HealthServer.READ_TIMEOUT.toSeconds() - 1
                    && after < HealthServer.REQUEST_TIMEOUT.toSeconds() + 5, "closed after " + after + " s");
        }
    }

    /** What a raw HTTP exchange on a socket answers: the status line, or "" when the server closed silently. */
    private String raw(String head, byte[] body, long byteIntervalMillis) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(60_000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                for (byte b : body) {
                    if (byteIntervalMillis > 0) {
                        Thread.sleep(byteIntervalMillis);
                    }
                    out.write(b);
                    out.flush();
                }
            } catch (java.net.SocketException closed) {
                // the server answered and closed before the body was all sent
            }
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            String line = in.readLine();
            return line == null ? "" : line;
        }
    }

    @Test
    void anAdminBodyTooLargeIsRefusedUnreadAndATrickledOneTimesOut() throws Exception {
        server = new HealthServer(new HttpConfig("127.0.0.1", 0, 0, 0.8, Duration.ofSeconds(5)), controls,
                new RecordingSources(), registry, null).start();
        String declaredHuge = raw("PUT /sources/cam-1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 200000000\r\n\r\n", new byte[0], 0);
        assertEquals("HTTP/1.1 413 Request Entity Too Large", declaredHuge, "refused before a byte of the body is read");
        byte[] big = new byte[AdminRoutes.MAX_BODY_BYTES + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        String chunked = raw("PUT /sources/cam-1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(big.length) + "\r\n", big, 0);
        assertEquals("HTTP/1.1 413 Request Entity Too Large", chunked, "counted as it arrives without a length");
        String trickled = raw("PUT /sources/cam-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n\r\n",
                "{\"url\": \"rtsp://h/1\"}".getBytes(StandardCharsets.US_ASCII), 1000);
        assertEquals("HTTP/1.1 408 Request Timeout", trickled);
    }

    /** An admin API that takes every source (the body's bounds are what is tested). */
    private static final class RecordingSources implements SourceAdmin {
        final java.util.List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();

        public java.util.List<java.util.Map<String, Object>> sources() {
            return java.util.List.of();
        }

        public reactor.core.publisher.Mono<io.camflux.engine.CameraChange> put(String id, String json) {
            bodies.add(json);
            return reactor.core.publisher.Mono.just(new io.camflux.engine.CameraChange(id,
                    io.camflux.engine.CameraChange.Kind.ADDED));
        }

        public reactor.core.publisher.Mono<io.camflux.engine.CameraChange> remove(String id) {
            return reactor.core.publisher.Mono.empty();
        }

        public reactor.core.publisher.Mono<io.camflux.engine.CameraChange> pause(String id) {
            return reactor.core.publisher.Mono.empty();
        }

        public reactor.core.publisher.Mono<io.camflux.engine.CameraChange> resume(String id) {
            return reactor.core.publisher.Mono.empty();
        }
    }

    /** A status page with one camera and a snapshot that comes, or never does. */
    private static final class OneCamera implements StatusPage {
        volatile byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3};

        public java.util.List<java.util.Map<String, Object>> cameras() {
            return java.util.List.of(java.util.Map.of("camera_uuid", "cam-1", "state", "STREAMING"));
        }

        public boolean has(String cameraUuid) {
            return cameraUuid.equals("cam-1");
        }

        public reactor.core.publisher.Mono<byte[]> snapshot(String cameraUuid) {
            return jpeg == null ? reactor.core.publisher.Mono.empty() : reactor.core.publisher.Mono.just(jpeg);
        }
    }

    @Test
    void theStatusPageItsCamerasAndSnapshotsBehindTheToken() throws Exception {
        OneCamera status = new OneCamera();
        server = new HealthServer(new HttpConfig("127.0.0.1", 0, 0, 0.8, Duration.ofSeconds(5)), controls, null,
                status, registry, "s3cret").start();
        HttpResponse<String> page = call("GET", health("/"), null);
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("fetch(\"/cameras\""), "the page polls /cameras");
        HttpResponse<String> cameras = call("GET", health("/cameras"), null);
        com.fasterxml.jackson.databind.JsonNode listed = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(cameras.body()).path("cameras");
        assertEquals(1, listed.size());
        assertEquals("cam-1", listed.get(0).path("camera_uuid").asText());
        assertEquals("STREAMING", listed.get(0).path("state").asText());
        assertEquals(401, call("GET", health("/cameras/cam-1/snapshot.jpg"), null).statusCode(),
                "pictures of people need the token");
        HttpResponse<byte[]> jpeg = client.send(HttpRequest.newBuilder(URI.create(health("/cameras/cam-1/snapshot.jpg")))
                .header("Authorization", "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, jpeg.statusCode());
        assertEquals("image/jpeg", jpeg.headers().firstValue("content-type").orElse(""));
        assertTrue(java.util.Arrays.equals(status.jpeg, jpeg.body()));
        assertEquals(404, call("GET", health("/cameras/cam-9/snapshot.jpg"), "Bearer s3cret").statusCode());
        assertEquals(404, call("GET", health("/cameras/snapshot.jpg"), "Bearer s3cret").statusCode(), "no camera id");
        status.jpeg = null;
        HttpResponse<String> none = call("GET", health("/cameras/cam-1/snapshot.jpg"), "Bearer s3cret");
        assertEquals(503, none.statusCode());
        assertTrue(none.body().contains("no inferred frame"), none.body());
    }

    @Test
    void withoutAStatusPageTheRootIsNotFound() throws Exception {
        start("127.0.0.1", null);
        assertEquals(404, call("GET", health("/"), null).statusCode());
        assertEquals(404, call("GET", health("/cameras"), null).statusCode());
    }
}
