package io.camflux.engine.cli;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.event.EventJson;
import io.camflux.engine.http.Controls;
import io.camflux.engine.http.HealthServer;
import io.camflux.engine.metrics.EngineMetrics;
import io.camflux.engine.publish.StdoutSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One shard as a process: the engine, its sinks, the health and metrics server, and the way it ends
 * (sources done, drain, terminate). {@link #run} blocks until then and returns the exit code.
 */
final class ShardRunner implements Controls {
    private static final Logger log = LoggerFactory.getLogger(ShardRunner.class);

    private final CamFlux engine;
    private final PrometheusMeterRegistry registry;
    private final PrintStream out;
    private final PrintStream err;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean terminated = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicLong events = new AtomicLong();
    private volatile Disposable detections;
    private volatile Throwable failure;

    ShardRunner(CamFlux engine, PrometheusMeterRegistry registry, PrintStream out, PrintStream err) {
        this.engine = engine;
        this.registry = registry;
        this.out = out;
        this.err = err;
    }

    int run(Duration duration) {
        ShardConfig config = engine.config();
        RunSummary summary = new RunSummary();
        StdoutSink sink = new StdoutSink(out, Schedulers.boundedElastic());
        try (EngineMetrics metrics = new EngineMetrics(engine, registry, Clock.systemUTC());
             HealthServer server = new HealthServer(config.http(), this, registry,
                     System.getenv(HealthServer.TOKEN_ENV)).start()) {
            Disposable statuses = sink.write(engine.statusEvents()
                    .map(s -> EventJson.status(s, config.runnerId(), config.shardId()))).subscribe();
            detections = sink.write(engine.detections()
                            .doOnNext(this::published)
                            .map(EventJson::detection))
                    .doFinally(signal -> done.countDown())
                    .subscribe(null, e -> failure = e);
            if (duration != null) {
                Mono.delay(duration).subscribe(t -> {
                    log.info("--duration {} reached: draining", duration);
                    drain();
                });
            }
            awaitDone();
            statuses.dispose();
            if (terminated.get()) {
                long inFlight = engine.cameras().stream().mapToLong(c -> c.ledger().inFlight()).sum();
                log.warn("terminated: {} frames were in flight and produce no events", inFlight);
            }
            err.print(summary.describe(engine, events.get()));
        } finally {
            engine.close();
        }
        if (failure != null) {
            log.error("the pipeline failed", failure);
            return Main.EXIT_FATAL;
        }
        return Main.EXIT_OK;
    }

    private void published(DetectionEvent event) {
        events.incrementAndGet();
        Counter.builder("detections.published").description("detection events delivered to the sink")
                .tag("camera_uuid", event.cameraUuid()).register(registry).increment();
    }

    private void awaitDone() {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            terminate();
        }
    }

    @Override
    public boolean draining() {
        return draining.get();
    }

    @Override
    public int camerasStreaming() {
        return (int) engine.cameras().stream().filter(c -> c.state() == CameraState.STREAMING).count();
    }

    @Override
    public int camerasTotal() {
        return engine.cameras().size();
    }

    @Override
    public void drain() {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        Duration grace = engine.config().http().drainGrace();
        log.info("draining: intake stopped; in-flight batches and events get up to {} s", grace.toSeconds());
        engine.stopIntake().subscribe();
        Mono.delay(grace).subscribe(t -> {
            if (done.getCount() > 0) {
                log.warn("the drain did not finish within {} s: stopping now", grace.toSeconds());
                terminate();
            }
        });
    }

    @Override
    public void terminate() {
        if (!terminated.compareAndSet(false, true)) {
            return;
        }
        draining.set(true);
        log.info("terminating now");
        Disposable d = detections;
        if (d != null) {
            d.dispose();
        }
        done.countDown();
    }
}
