package io.camflux.engine.config;

import java.time.Duration;

/**
 * Cross-camera batching: a batch closes at {@code maxSize} frames or after {@code maxWait}, whichever comes first.
 *
 * @param prepareThreads threads that letterbox the next batches and decode finished ones while the session runs
 */
public record BatchConfig(int maxSize, Duration maxWait, int prepareThreads) {

    public BatchConfig(int maxSize, Duration maxWait) {
        this(maxSize, maxWait, defaultPrepareThreads());
    }

    /** A quarter of the cores, 1 to 4: the decoders need the rest. */
    public static int defaultPrepareThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 4));
    }
}
