package io.camflux.engine.http;

/** What the health server reads and triggers; every method returns at once (it runs on Netty's threads). */
public interface Controls {

    boolean draining();

    /** Whether events can reach their sink (the broker is connected, or there is no broker). */
    default boolean brokerReady() {
        return true;
    }

    /** Whether the worker holds its shard's lease now (always, without a control plane). */
    default boolean leaseHeld() {
        return true;
    }

    int camerasStreaming();

    int camerasTotal();

    /** Stop intake, finish in-flight work and events, then exit. */
    void drain();

    /** Stop now. */
    void terminate();
}
