package io.camflux.engine;

import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.source.StreamReader;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.function.DoubleSupplier;
import reactor.core.scheduler.Scheduler;

/**
 * Everything an engine is made of, immutable: the shard's config and the parts that replace a production default.
 * Made by {@link CamFlux.Builder}; {@code detector} and {@code opener} may be null (the configured model, the engine's
 * decoders by each source's {@code decoder}). Not API: the opener is an internal type, a seam for tests and benches.
 *
 * @param timer      where timed work runs (batch deadlines, reconnect delays): non-blocking
 * @param random     uniform in [0, 1): the reconnect backoff's jitter
 * @param maxSources the most cameras the set holds
 */
record CamFluxOptions(ShardConfig config, MeterRegistry registry, FrameDetector detector,
                      StreamReader.Opener opener, Scheduler timer, Clock clock, DoubleSupplier random,
                      int maxSources) {

    /** The same options with the detector and opener resolved. */
    CamFluxOptions withParts(FrameDetector detector, StreamReader.Opener opener) {
        return new CamFluxOptions(config, registry, detector, opener, timer, clock, random, maxSources);
    }
}
