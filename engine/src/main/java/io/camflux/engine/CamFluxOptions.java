package io.camflux.engine;

import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.motion.MotionGate;
import io.camflux.engine.source.StreamReader;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import reactor.core.scheduler.Scheduler;

/**
 * Everything an engine is made of, immutable: the shard's config and the parts that replace a production default.
 * Made by {@link CamFlux.Builder#options()}; {@code detector}, {@code opener} and {@code motionGates} may be null
 * (the configured model, FFmpeg or NVDEC by each source's {@code decoder}, the OpenCV gate of {@code motion_config}).
 *
 * @param timer      where timed work runs (batch deadlines, reconnect delays): non-blocking
 * @param random     uniform in [0, 1): the reconnect backoff's jitter
 * @param maxSources the most cameras the set holds
 */
public record CamFluxOptions(ShardConfig config, MeterRegistry registry, FrameDetector detector,
                             StreamReader.Opener opener, Function<SourceConfig, MotionGate> motionGates,
                             Scheduler timer, Clock clock, DoubleSupplier random, int maxSources) {

    /** The same options with the detector and opener resolved. */
    CamFluxOptions withParts(FrameDetector detector, StreamReader.Opener opener) {
        return new CamFluxOptions(config, registry, detector, opener, motionGates, timer, clock, random, maxSources);
    }
}
