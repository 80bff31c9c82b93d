package io.camflux.engine;

import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.source.StreamReader;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.function.DoubleSupplier;
import reactor.core.scheduler.Scheduler;

/**
 * Everything an engine is made of, immutable: the shard's config and the parts that replace a production default.
 * Made by {@link CamFlux.Builder}; {@code detectors} are the ones given by model name (the others are opened from the
 * config), {@code opener} may be null (the engine's decoders by each source's {@code decoder}). Not API: the opener is an internal type, a seam for tests and benches.
 *
 * @param timer      where timed work runs (batch deadlines, reconnect delays): non-blocking
 * @param random     uniform in [0, 1): the reconnect backoff's jitter
 * @param maxSources the most cameras the set holds
 */
record CamFluxOptions(ShardConfig config, MeterRegistry registry, Map<String, FrameDetector> detectors,
                      StreamReader.Opener opener, Scheduler timer, Clock clock, DoubleSupplier random,
                      int maxSources) {

    CamFluxOptions {
        detectors = Map.copyOf(detectors);
    }

    /** The same options with the opener resolved. */
    CamFluxOptions withOpener(StreamReader.Opener opener) {
        return new CamFluxOptions(config, registry, detectors, opener, timer, clock, random, maxSources);
    }
}
