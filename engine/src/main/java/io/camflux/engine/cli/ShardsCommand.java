package io.camflux.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.camflux.engine.config.ConfigException;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.EtcdConfig;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.fleet.EtcdClient;
import io.camflux.engine.fleet.EtcdKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code camflux shards ...}: the fleet's shards in etcd, as the workers read them (docs/fleet.md). {@code put ID FILE}
 * writes a shard (validated as a worker validates it), {@code rm ID} removes one (its holder stops its cameras),
 * {@code ls} lists shards with holder, epoch, cameras and since, {@code move ID} asks the holder to give one back and
 * waits until another worker holds it.
 */
final class ShardsCommand {
    static final String NAME = "shards";
    static final String ENDPOINTS_ENV = "CAMFLUX_ETCD_ENDPOINTS";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a move request stands: long enough for the holder to see it, short enough not to pin the shard. */
    private static final Duration MOVE_TTL = Duration.ofSeconds(30);

    static final String USAGE = """
            Usage: java -jar camflux.jar shards [--etcd URL[,URL...]] [--prefix PREFIX] [--config WORKER.json] COMMAND

              put ID FILE   write shard ID from FILE ({"sources": [...], "max_fps": 6, ...}), validated first
              rm ID         remove shard ID; its holder stops its cameras
              ls            every shard: holder, epoch, cameras, since; then the live workers
              move ID       ask ID's holder to give it back and wait (30 s at most) until another worker holds it

              --etcd URLS   etcd's client URLs (default: $CAMFLUX_ETCD_ENDPOINTS, the --config file's, or
                            http://127.0.0.1:2379)
              --prefix P    the fleet's key prefix (default: the --config file's, or /camflux)
              --config F    a worker's config: its coordination.etcd endpoints and prefix

            Exit codes: 0 done, 1 etcd did not answer or the move did not happen in time, 2 bad arguments or shard.""";

    private ShardsCommand() {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        List<URI> endpoints = null;
        String prefix = null;
        List<String> rest = new ArrayList<>();
        try {
            for (int i = 0; i < argv.length; i++) {
                switch (argv[i]) {
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return Main.EXIT_OK;
                    }
                    case "--etcd" -> endpoints = endpoints(value(argv, ++i));
                    case "--prefix" -> prefix = value(argv, ++i);
                    case "--config" -> {
                        EtcdConfig etcd = fleetOf(Path.of(value(argv, ++i)));
                        endpoints = endpoints == null ? etcd.endpoints() : endpoints;
                        prefix = prefix == null ? etcd.prefix() : prefix;
                    }
                    default -> rest.add(argv[i]);
                }
            }
            if (endpoints == null) {
                String env = System.getenv(ENDPOINTS_ENV);
                endpoints = endpoints(env == null || env.isBlank() ? "http://127.0.0.1:2379" : env);
            }
            prefix = prefix == null ? "/camflux" : prefix.replaceAll("/+$", "");
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("a command is required: put, rm, ls or move");
            }
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("camflux shards: " + e.getMessage());
            err.println(USAGE);
            return Main.EXIT_USAGE;
        }
        EtcdClient etcd = new EtcdClient(endpoints, Duration.ofSeconds(5), null);
        EtcdKeys keys = new EtcdKeys(prefix);
        try {
            return switch (rest.get(0)) {
                case "put" -> put(etcd, keys, args(rest, 3), out, err);
                case "rm" -> rm(etcd, keys, args(rest, 2).get(1), out, err);
                case "ls" -> ls(etcd, keys, args(rest, 1), out);
                case "move" -> move(etcd, keys, args(rest, 2).get(1), out, err);
                default -> throw new IllegalArgumentException("unknown command '" + rest.get(0)
                        + "' (put, rm, ls or move)");
            };
        } catch (IllegalArgumentException e) {
            err.println("camflux shards: " + e.getMessage());
            err.println(USAGE);
            return Main.EXIT_USAGE;
        } catch (EtcdClient.EtcdException e) {
            err.println("camflux shards: " + e.getMessage());
            return Main.EXIT_FATAL;
        }
    }

    private static List<String> args(List<String> rest, int count) {
        if (rest.size() != count) {
            throw new IllegalArgumentException(rest.get(0) + " takes " + (count - 1) + " argument(s), got "
                    + (rest.size() - 1));
        }
        if (count > 1 && !SourceConfig.ID.matcher(rest.get(1)).matches()) {
            throw new IllegalArgumentException("shard id '" + rest.get(1) + "' must be " + SourceConfig.ID_RULE);
        }
        return rest;
    }

    private static int put(EtcdClient etcd, EtcdKeys keys, List<String> args, PrintStream out, PrintStream err) {
        String id = args.get(1);
        Path file = Path.of(args.get(2));
        JsonNode shard;
        try {
            shard = JSON.readTree(Files.readString(file));
            ConfigLoader.checkShard(shard);
        } catch (IOException e) {
            err.println("camflux shards: cannot read " + file + ": " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (ConfigException e) {
            err.println("camflux shards: " + file + " is not a valid shard:");
            e.problems().forEach(p -> err.println("  " + p));
            return Main.EXIT_USAGE;
        }
        EtcdClient.KeyValue before = etcd.get(keys.shard(id)).block();
        long revision = etcd.put(keys.shard(id), shard.toString(), 0).block();
        String holder = EtcdKeys.State.of(keys, etcd.range(keys.root()).block()).holder(id);
        out.printf("%s shard %s (%d camera(s), revision %d)%s%n", before == null ? "added" : "updated", id,
                shard.path("sources").size(), revision, holder == null ? ": waiting for a worker"
                        : ": held by " + holder + ", which applies it live");
        return Main.EXIT_OK;
    }

    private static int rm(EtcdClient etcd, EtcdKeys keys, String id, PrintStream out, PrintStream err) {
        String holder = EtcdKeys.State.of(keys, etcd.range(keys.root()).block()).holder(id);
        if (!etcd.delete(keys.shard(id)).block()) {
            err.println("camflux shards: no shard " + id + " under " + keys.prefix());
            return Main.EXIT_FATAL;
        }
        out.printf("removed shard %s%s%n", id, holder == null ? "" : " (held by " + holder + ": it stops its cameras)");
        return Main.EXIT_OK;
    }

    private static int ls(EtcdClient etcd, EtcdKeys keys, List<String> args, PrintStream out) {
        EtcdKeys.State state = EtcdKeys.State.of(keys, etcd.range(keys.root()).block());
        out.printf("%-24s %-20s %12s %8s  %s%n", "SHARD", "HOLDER", "EPOCH", "CAMERAS", "SINCE");
        for (Map.Entry<String, EtcdClient.KeyValue> e : state.shards().entrySet()) {
            EtcdClient.KeyValue owner = state.owners().get(e.getKey());
            int cameras = readTree(e.getValue().value()).path("sources").size();
            String holder = owner == null ? "-" : state.holder(e.getKey());
            String since = owner == null ? "-" : readTree(owner.value()).path("since").asText("-");
            out.printf("%-24s %-20s %12s %8d  %s%s%n", e.getKey(), holder,
                    owner == null ? "-" : Long.toString(owner.createRevision()), cameras, since,
                    state.moves().containsKey(e.getKey()) ? "  (move asked)" : "");
        }
        List<String> workers = new ArrayList<>();
        for (String w : state.workers().keySet()) {
            long n = state.owners().keySet().stream().filter(s -> w.equals(state.holder(s))).count();
            workers.add(w + " (" + n + ")");
        }
        out.printf("%d shard(s), %d held; live workers (shards held): %s%n", state.shards().size(),
                state.shards().keySet().stream().filter(state.owners()::containsKey).count(),
                workers.isEmpty() ? "none" : String.join(", ", workers));
        return Main.EXIT_OK;
    }

    private static int move(EtcdClient etcd, EtcdKeys keys, String id, PrintStream out, PrintStream err) {
        EtcdKeys.State state = EtcdKeys.State.of(keys, etcd.range(keys.root()).block());
        EtcdClient.KeyValue owner = state.owners().get(id);
        if (!state.shards().containsKey(id)) {
            err.println("camflux shards: no shard " + id + " under " + keys.prefix());
            return Main.EXIT_FATAL;
        }
        if (owner == null) {
            out.println("shard " + id + " is not held by any worker: nothing to move");
            return Main.EXIT_OK;
        }
        String from = state.holder(id);
        long lease = etcd.grant(MOVE_TTL).block();
        etcd.put(keys.move(id), JSON.createObjectNode().put("from", from).put("at", Instant.now().toString())
                .toString(), lease).block();
        out.printf("asked %s to give shard %s (epoch %d) back%n", from, id, owner.createRevision());
        long end = System.nanoTime() + MOVE_TTL.toNanos();
        while (System.nanoTime() < end) {
            EtcdClient.KeyValue now = etcd.get(keys.owner(id)).block();
            if (now != null && now.createRevision() != owner.createRevision()) {
                String to = EtcdKeys.State.of(keys, List.of(now), now.modRevision()).holder(id);
                etcd.revoke(lease).block();
                out.printf("shard %s moved from %s to %s (epoch %d)%n", id, from, to, now.createRevision());
                return Main.EXIT_OK;
            }
            sleep();
        }
        etcd.revoke(lease).block();
        EtcdClient.KeyValue last = etcd.get(keys.owner(id)).block();
        err.printf("camflux shards: shard %s did not move within %d s (%s)%n", id, MOVE_TTL.toSeconds(),
                last == null ? "it is free: no other worker has room for it" : "still held by " + from);
        return Main.EXIT_FATAL;
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static List<URI> endpoints(String list) {
        List<URI> out = new ArrayList<>();
        for (String s : Arrays.stream(list.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList()) {
            URI uri = URI.create(s.replaceAll("/+$", ""));
            if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("etcd endpoint '" + s + "' must be http://HOST:PORT");
            }
            out.add(uri);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoint");
        }
        return out;
    }

    private static EtcdConfig fleetOf(Path config) {
        ShardConfig worker = ConfigLoader.load(config);
        if (worker.fleet().etcd() == null) {
            throw new IllegalArgumentException(config + " has no coordination.etcd block");
        }
        return worker.fleet().etcd();
    }

    private static String value(String[] argv, int i) {
        if (i >= argv.length) {
            throw new IllegalArgumentException(argv[i - 1] + " needs a value");
        }
        return argv[i];
    }
}
