package io.camflux.engine.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fleet's keys in etcd (docs/fleet.md), under one prefix:
 * <ul>
 *   <li>{@code {prefix}/shards/{shard_id}}: the shard, as a lease's {@code shard} JSON (written by
 *   {@code camflux shards put});</li>
 *   <li>{@code {prefix}/owners/{shard_id}}: its holder ({@code runner_id}, {@code since}, {@code cameras}), under the
 *   holder's etcd lease; its create revision is the shard's {@code lease_epoch};</li>
 *   <li>{@code {prefix}/workers/{runner_id}}: a live worker ({@code max_cameras}, {@code since}), under its lease;</li>
 *   <li>{@code {prefix}/moves/{shard_id}}: a request that the holder named in {@code from} gives the shard back
 *   (under a short lease of its own).</li>
 * </ul>
 */
public record EtcdKeys(String prefix) {
    public static final String SHARDS = "shards", OWNERS = "owners", WORKERS = "workers", MOVES = "moves";

    /** Everything of this fleet (a prefix of every key, with the trailing slash). */
    public String root() {
        return prefix + "/";
    }

    public String shard(String id) {
        return prefix + "/" + SHARDS + "/" + id;
    }

    public String owner(String id) {
        return prefix + "/" + OWNERS + "/" + id;
    }

    public String worker(String runnerId) {
        return prefix + "/" + WORKERS + "/" + runnerId;
    }

    public String move(String id) {
        return prefix + "/" + MOVES + "/" + id;
    }

    /** The fleet's keys at one revision, by kind and id. */
    public record State(long revision, Map<String, EtcdClient.KeyValue> shards,
                        Map<String, EtcdClient.KeyValue> owners, Map<String, EtcdClient.KeyValue> workers,
                        Map<String, EtcdClient.KeyValue> moves) {

        public static State of(EtcdKeys keys, EtcdClient.Snapshot snapshot) {
            return of(keys, snapshot.keyValues(), snapshot.revision());
        }

        /** @param revision the store's revision the keys were read at */
        public static State of(EtcdKeys keys, List<EtcdClient.KeyValue> kvs, long revision) {
            Map<String, Map<String, EtcdClient.KeyValue>> kinds = new HashMap<>();
            for (String kind : List.of(SHARDS, OWNERS, WORKERS, MOVES)) {
                kinds.put(kind, new TreeMap<>());
            }
            for (EtcdClient.KeyValue kv : kvs) {
                if (!kv.key().startsWith(keys.root())) {
                    continue;
                }
                String rest = kv.key().substring(keys.root().length());
                int slash = rest.indexOf('/');
                if (slash > 0 && kinds.containsKey(rest.substring(0, slash)) && slash < rest.length() - 1) {
                    kinds.get(rest.substring(0, slash)).put(rest.substring(slash + 1), kv);
                }
            }
            return new State(revision, kinds.get(SHARDS), kinds.get(OWNERS), kinds.get(WORKERS), kinds.get(MOVES));
        }

        /** The id in a key of this state ({@code .../shards/ID}). */
        public String idOf(EtcdClient.KeyValue kv) {
            return kv.key().substring(kv.key().lastIndexOf('/') + 1);
        }

        /** The runner that holds the shard, or null. */
        public String holder(String shardId) {
            EtcdClient.KeyValue o = owners.get(shardId);
            return o == null ? null : field(o, "runner_id");
        }

        /** Whether a move of the shard away from {@code runnerId} is asked for. */
        public boolean moveAway(String shardId, String runnerId) {
            EtcdClient.KeyValue m = moves.get(shardId);
            return m != null && runnerId.equals(field(m, "from"));
        }

        /** Whether a move of the shard away from a worker other than {@code runnerId} is asked for. */
        public boolean movedAwayFromAnother(String shardId, String runnerId) {
            EtcdClient.KeyValue m = moves.get(shardId);
            String from = m == null ? null : field(m, "from");
            return from != null && !from.equals(runnerId);
        }

        /** The fewest shards any live worker holds, {@code mine} counted for {@code runnerId}. */
        public int leastLoad(String runnerId, int mine) {
            Map<String, Integer> load = new HashMap<>();
            workers.keySet().forEach(w -> load.put(w, 0));
            owners.values().forEach(o -> load.computeIfPresent(field(o, "runner_id"), (w, n) -> n + 1));
            load.put(runnerId, mine);
            return load.values().stream().mapToInt(Integer::intValue).min().orElse(mine);
        }

        static String field(EtcdClient.KeyValue kv, String name) {
            try {
                JsonNode n = EtcdClient.JSON.readTree(kv.value());
                return n == null ? null : n.path(name).asText(null);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return null;
            }
        }
    }
}
