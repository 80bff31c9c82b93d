package io.camflux.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model resolution order, and the download path against a real local HTTP server. */
class ModelResolverTest {
    private final byte[] payload = new byte[300_000];
    private final AtomicInteger requests = new AtomicInteger();
    private HttpServer server;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @TempDir
    Path tmp;

    @BeforeEach
    void serve() throws IOException {
        new Random(7).nextBytes(payload);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/yolox_nano.onnx", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(200, payload.length);
            exchange.getResponseBody().write(payload);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private BuiltinModel served(String sha) {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/yolox_nano.onnx");
        return BuiltinModel.YOLOX_NANO.withSource(url, payload.length, sha);
    }

    private ModelResolver resolver(Path modelDir) {
        return new ModelResolver(modelDir, tmp.resolve("cache"),
                new ModelDownloader(HttpClient.newHttpClient(), new PrintStream(progress, true, StandardCharsets.UTF_8)));
    }

    @Test
    void downloadsVerifiesAndCachesOnce() throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
        ModelResolver resolver = resolver(null);
        Path first = resolver.resolve(served(sha));
        assertArrayEquals(payload, Files.readAllBytes(first));
        assertEquals(tmp.resolve("cache/yolox_nano.onnx"), first);
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("100%"), progress.toString(StandardCharsets.UTF_8));
        assertEquals(first, resolver.resolve(served(sha)));
        assertEquals(1, requests.get(), "the second resolution uses the cache");
    }

    @Test
    void wrongChecksumFailsAndLeavesNothing() {
        IOException e = assertThrows(IOException.class, () -> resolver(null).resolve(served("00".repeat(32))));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("cache/yolox_nano.onnx")));
        assertFalse(Files.exists(tmp.resolve("cache/yolox_nano.onnx.part")));
    }

    @Test
    void modelDirComesFirstAndPathsAreUsedAsIs() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("models"));
        Path model = Files.write(dir.resolve("yolox_nano.onnx"), new byte[] {1});
        assertEquals(model, resolver(dir).resolve("yolox_nano"));
        assertEquals(model, resolver(null).resolve(model.toString()));
        assertEquals(0, requests.get());
        IOException e = assertThrows(IOException.class, () -> resolver(dir).resolve("no-such-model.onnx"));
        assertTrue(e.getMessage().contains("no-such-model.onnx"));
    }
}
