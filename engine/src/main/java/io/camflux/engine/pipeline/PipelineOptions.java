package io.camflux.engine.pipeline;

import io.camflux.engine.config.ShardConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import reactor.core.scheduler.Scheduler;

/**
 * What the detection pipeline is built from: the shard's config (sampling rate, batching, ids, emit_empty) and the
 * engine's parts.
 *
 * @param maxRuns the most camera runs at once (a replaced camera's old and new run overlap briefly)
 * @param threads where its stages run
 */
public record PipelineOptions(ShardConfig shard, int maxRuns, Clock clock, MeterRegistry registry, Threads threads) {

    /**
     * @param inference the detector's session runs (one thread per concurrent run)
     * @param cpu       letterboxing and decoding the detector's output
     * @param timer     batch deadlines: non-blocking
     */
    public record Threads(Scheduler inference, Scheduler cpu, Scheduler timer) {
    }
}
