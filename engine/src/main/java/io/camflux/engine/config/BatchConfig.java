package io.camflux.engine.config;

import java.time.Duration;

/** Cross-camera batching: a batch closes at {@code maxSize} frames or after {@code maxWait}, whichever comes first. */
public record BatchConfig(int maxSize, Duration maxWait) {
}
