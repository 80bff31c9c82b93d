package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.ControlPlaneConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.FileInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An https control plane with a private CA (a certificate made here with the JDK's keytool): trusted through
 * {@code cp.ca_file}, a lease is acquired; without it, the handshake fails as a clear "no answer", never a crash.
 */
class ControlPlaneTlsTest {
    @TempDir
    static Path dir;
    private static SslContext server;
    private static Path caPem;

    @BeforeAll
    static void certificate() throws Exception {
        Path keystore = dir.resolve("cp.p12");
        caPem = dir.resolve("cp-ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "cp", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                keystore.toString(), "-storepass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "cp", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-file", caPem.toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        server = SslContextBuilder.forServer(kmf).build();
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    @Test
    void aLeaseOverHttpsWithThePrivateCaFromTheConfig() throws Exception {
        try (ControlPlaneSimulator cp = new ControlPlaneSimulator("t", 6, System::nanoTime, server)) {
            cp.addShard("s-1", List.of());
            assertTrue(cp.baseUrl().startsWith("https://"));
            ControlPlaneConfig config = ConfigLoader.parse("{\"cp\": {\"base_url\": \"" + cp.baseUrl()
                    + "\", \"ca_file\": \"" + caPem.getFileName() + "\"}}", "tls.json", dir).cp();
            assertEquals(caPem, config.caFile());
            ControlPlaneClient client = new ControlPlaneClient(config, "t", new io.camflux.engine.config.ShardRules(8, List.of(), false), new SimpleMeterRegistry());
            Lease lease = client.acquire(request()).block(Duration.ofSeconds(10));
            assertNotNull(lease);
            assertEquals("s-1", lease.shardId());
            assertEquals(List.of(), cp.violations());

            ControlPlaneClient untrusting = new ControlPlaneClient(new ControlPlaneConfig(URI.create(cp.baseUrl()),
                    null, 8, Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(2)), "t", new io.camflux.engine.config.ShardRules(8, List.of(), false),
                    new SimpleMeterRegistry());
            ControlPlaneException e = assertThrows(ControlPlaneException.class,
                    () -> untrusting.acquire(request()).block(Duration.ofSeconds(10)));
            assertEquals(ControlPlaneException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("no answer"), e.getMessage());
        }
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode request() {
        var r = ControlPlaneClient.JSON.createObjectNode();
        r.put("runner_id", "w-tls");
        r.putObject("capacity").put("max_cameras", 8).put("provider", "cpu");
        r.put("version", ControlPlaneClient.PROTOCOL_VERSION);
        return r;
    }
}
