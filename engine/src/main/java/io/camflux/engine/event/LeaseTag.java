package io.camflux.engine.event;

/**
 * The lease an event was published under: its shard and epoch. Consumers keep, per shard, the highest epoch they
 * have seen and drop events of a lower one (a stale holder's).
 */
public record LeaseTag(String shardId, long epoch) {
}
