package io.camflux.engine.config;

/** The broker. Without this block, events go to standard output. */
public record AmqpConfig(String host, int port, String exStatus, String exDetect) {
}
