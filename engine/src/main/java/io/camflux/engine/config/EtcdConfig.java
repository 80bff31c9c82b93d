package io.camflux.engine.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * {@code coordination.etcd}: the worker takes shards from etcd v3 (docs/fleet.md). Shards are the keys
 * {@code {prefix}/shards/{shard_id}}; a worker holds one by creating {@code {prefix}/owners/{shard_id}} under its
 * etcd lease of {@code ttl}, and the owner key's create revision is the shard's {@code lease_epoch}.
 *
 * @param endpoints      etcd's client URLs (its v3 JSON gateway), tried in turn when one does not answer
 * @param prefix         the key prefix of this fleet, without a trailing slash
 * @param ttl            the etcd lease's time to live; the worker fences itself before it runs out
 * @param maxCameras     the most cameras of all the shards this worker holds together
 * @param requestTimeout one request's limit, the whole answer included
 * @param rescanInterval how often the worker looks for shards to claim without a watch event
 */
public record EtcdConfig(List<URI> endpoints, String prefix, Duration ttl, int maxCameras, Duration requestTimeout,
                         Duration rescanInterval) {
    public EtcdConfig {
        endpoints = List.copyOf(endpoints);
    }
}
