package io.camflux.engine.fleet;

import java.time.Duration;

/**
 * What holds this worker's shards: {@link LeaseKeeper} (the HTTP control plane, one lease) or
 * {@link EtcdShardKeeper} (etcd, several shards). Either grants and revokes in the {@link LeaseFence} its events pass.
 */
public interface Coordinator extends AutoCloseable {

    /** Begins taking shards. */
    Coordinator start();

    /** The drain: no more shards are taken; those held are kept while the last events go out. */
    void drain();

    /** Gives every shard back (after the drain's last event is confirmed); waits at most {@code timeout}. */
    void release(Duration timeout);

    @Override
    void close();
}
