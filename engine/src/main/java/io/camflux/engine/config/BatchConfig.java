package io.camflux.engine.config;

import io.camflux.model.BatchShapes;
import java.time.Duration;

/**
 * Cross-camera batching: a batch closes at {@code maxSize} frames or after {@code maxWait}, whichever comes first.
 *
 * @param prepareThreads threads that letterbox the next batches and decode finished ones while the session runs
 * @param shapes         the sizes the detector runs batches at (padded up to the next), see {@link BatchShapes}
 */
public record BatchConfig(int maxSize, Duration maxWait, int prepareThreads, BatchShapes.Policy shapes) {

    public BatchConfig(int maxSize, Duration maxWait) {
        this(maxSize, maxWait, defaultPrepareThreads(), BatchShapes.Policy.AUTO);
    }

    /** A quarter of the cores, 1 to 4: the decoders need the rest. */
    public static int defaultPrepareThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 4));
    }

    /** The detector's shape policy for batches of up to {@code maxSize}. */
    public BatchShapes batchShapes() {
        return new BatchShapes(shapes, maxSize);
    }
}
