package io.camflux.engine.http;

/** What the health server reads and triggers; every method returns at once (it runs on Netty's threads). */
public interface Controls {

    boolean draining();

    int camerasStreaming();

    int camerasTotal();

    /** Stop intake, finish in-flight work and events, then exit. */
    void drain();

    /** Stop now. */
    void terminate();
}
