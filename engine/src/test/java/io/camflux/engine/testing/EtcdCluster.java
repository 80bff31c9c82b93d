package io.camflux.engine.testing;

import io.camflux.model.TestAssets;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** A real etcd cluster of one or more members on loopback (scripts/etcd.sh), stopped and removed on close. */
public final class EtcdCluster implements AutoCloseable {
    private final Path dir;
    private final List<URI> endpoints;

    private EtcdCluster(Path dir, List<URI> endpoints) {
        this.dir = dir;
        this.endpoints = endpoints;
    }

    public static EtcdCluster start(int members) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("camflux-etcd");
        String out = script("start", dir, Integer.toString(members));
        String line = out.lines().filter(l -> l.startsWith("ETCD_ENDPOINTS=")).findFirst()
                .orElseThrow(() -> new IOException("etcd did not start: " + out));
        return new EtcdCluster(dir, Arrays.stream(line.substring("ETCD_ENDPOINTS=".length()).trim().split(","))
                .map(URI::create).toList());
    }

    private static String script(String command, Path dir, String arg) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", TestAssets.root().resolve("scripts/etcd.sh").toString(), command,
                dir.toString(), arg).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("etcd.sh " + command + " failed: " + out);
        }
        return out;
    }

    public List<URI> endpoints() {
        return endpoints;
    }

    /** The endpoints as the shards CLI and a config take them. */
    public String endpointList() {
        return String.join(",", endpoints.stream().map(URI::toString).toList());
    }

    /** The member (1-based) that is not the raft leader now, the first such; a member's status names the leader. */
    public int aFollower() throws IOException, InterruptedException {
        return firstMember(false);
    }

    /** The member (1-based) that is the raft leader now. */
    public int theLeader() throws IOException, InterruptedException {
        return firstMember(true);
    }

    private int firstMember(boolean leader) throws IOException, InterruptedException {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < endpoints.size(); i++) {
            String body = http.send(java.net.http.HttpRequest.newBuilder(URI.create(endpoints.get(i)
                            + "/v3/maintenance/status")).POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            var status = json.readTree(body);
            if (leader == status.path("leader").asText().equals(status.path("header").path("member_id").asText())) {
                return i + 1;
            }
        }
        throw new IOException("no " + (leader ? "leader" : "follower") + " among " + endpoints);
    }

    /** Kills member {@code i} (1-based), as a crashed host. */
    public void stopMember(int i) throws IOException, InterruptedException {
        script("stop-member", dir, Integer.toString(i));
    }

    public void startMember(int i) throws IOException, InterruptedException {
        script("start-member", dir, Integer.toString(i));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // the members' logs outlive the cluster, for a failure to be read afterwards
        Path kept = Files.createDirectories(TestAssets.root().resolve("engine/target/etcd-logs")
                .resolve(dir.getFileName().toString()));
        try (var logs = Files.newDirectoryStream(dir, "m*.log")) {
            for (Path log : logs) {
                Files.copy(log, kept.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        script("stop", dir, "");
    }
}
