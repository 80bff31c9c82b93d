package io.camflux.engine.cli;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.DetectionEvent;
import io.camflux.engine.ObjectEvent;
import io.camflux.engine.StatusEvent;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.event.LeaseTag;
import io.camflux.engine.fleet.Coordinator;
import io.camflux.engine.fleet.LeaseFence;
import io.camflux.engine.http.Controls;
import io.camflux.engine.http.HealthServer;
import io.camflux.engine.http.SourceAdmin;
import io.camflux.engine.metrics.EngineMetrics;
import io.camflux.engine.publish.EventSink;
import io.camflux.engine.publish.LostEvents;
import io.camflux.engine.publish.Routing;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

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
    private final RunSummary summary = new RunSummary();
    private volatile Disposable detections;
    private volatile Throwable failure;
    /** Halts the process when a shutdown outlasts its grace (the CLI's own process only); null: never. */
    private final java.util.function.IntConsumer halt;
    private final AtomicBoolean deadlineStarted = new AtomicBoolean();
    private volatile boolean finished;

    private final EventSink sink;
    private final Routing routing;

    private final SourceAdmin sources;
    /** Both null without a control plane. */
    private final Coordinator keeper;
    private final LeaseFence fence;

    /**
     * @param sink    where the events go: the broker, or {@code out} as JSON lines
     * @param sources the admin API's camera set, null for none
     * @param keeper  the lease held from the control plane, with the fence its events pass; both null for none
     * @param halt    from a drain (or terminate) on, halts the process if it has not finished by the drain grace plus
     *                {@link ShutdownDeadline#SLACK}: the CLI's own process only, null elsewhere (a test's JVM)
     */
    ShardRunner(CamFlux engine, PrometheusMeterRegistry registry, EventSink sink, PrintStream out, PrintStream err,
                SourceAdmin sources, Coordinator keeper, LeaseFence fence, java.util.function.IntConsumer halt) {
        this.keeper = keeper;
        this.fence = fence;
        this.engine = engine;
        this.sources = sources;
        this.registry = registry;
        this.sink = sink;
        this.routing = new Routing(engine.config().amqp(), engine.config().runnerId(), engine.config().shardId());
        this.out = out;
        this.err = err;
        this.halt = halt;
    }

    private void startDeadline(Duration after) {
        java.util.function.IntConsumer h = halt;
        if (h != null && deadlineStarted.compareAndSet(false, true)) {
            ShutdownDeadline.start(after, () -> finished, h, err);
        }
    }

    /** An event this worker may publish, with the lease it goes out under (null without a control plane). */
    private record Admitted<E>(E event, LeaseTag lease) {
    }

    /** The events the fence admits (all of them without a control plane); the others are counted as lost. */
    private <E> Flux<Admitted<E>> admitted(Flux<E> events, Function<E, String> cameraOf) {
        return events.mapNotNull(e -> {
            if (fence == null) {
                return new Admitted<>(e, null);
            }
            LeaseTag lease = fence.admit(cameraOf.apply(e));
            if (lease == null) {
                LostEvents.counter(registry, LostEvents.LEASE_FENCED).increment();
                return null;
            }
            return new Admitted<>(e, lease);
        });
    }

    private Flux<Admitted<DetectionEvent>> admittedDetections() {
        return admitted(engine.detections(), DetectionEvent::cameraUuid);
    }

    /** Asked again right before each send: the lease may have been fenced while the event waited. */
    private BooleanSupplier stillAdmitted(Admitted<?> a, String cameraUuid) {
        return a.lease() == null ? () -> true : () -> a.lease().equals(fence.admit(cameraUuid));
    }

    private Mono<Void> publishDetections() {
        return sink.publish(admittedDetections().map(a -> routing.detection(a.event(), a.lease(),
                () -> published(a.event()), stillAdmitted(a, a.event().cameraUuid()))));
    }

    /** Object events (tracking on, {@code events} objects or both); nothing otherwise. */
    private Mono<Void> publishObjects() {
        if (!engine.config().tracking().events().objects()) {
            return Mono.empty();
        }
        return sink.publish(admitted(engine.objectEvents(), ObjectEvent::cameraUuid)
                .map(a -> routing.object(a.event(), a.lease(), stillAdmitted(a, a.event().cameraUuid()))));
    }

    private Mono<Void> publishStatuses() {
        return sink.publish(statusEvents().map(s -> routing.status(s, tagOf(s))));
    }

    private LeaseTag tagOf(StatusEvent event) {
        return fence == null ? null : fence.tagOf(event.cameraUuid());
    }

    /** Status events until the engine has finished (its cameras' last changes included). */
    private Flux<StatusEvent> statusEvents() {
        return engine.statusEvents().takeUntilOther(engine.finished().then(Mono.just(true)));
    }

    int run(Duration duration) {
        ShardConfig config = engine.config();
        try (EngineMetrics metrics = new EngineMetrics(registry);
             HealthServer server = new HealthServer(config.http(), this, sources,
                     new EngineStatusPage(engine, java.time.Clock.systemUTC()), registry,
                     System.getenv(HealthServer.TOKEN_ENV)).start()) {
            CompletableFuture<Void> statuses = publishStatuses().toFuture();
            // the object events first: they are hot, and the detections' subscription starts the pipeline
            Mono<Void> objects = publishObjects().cache();
            objects.subscribe(null, e -> failure = e);
            Mono<Void> frames = config.tracking().events().frames() ? publishDetections()
                    : admittedDetections().then();
            detections = Mono.when(frames, objects)
                    .doFinally(signal -> done.countDown())
                    .subscribe(null, e -> failure = e);
            if (duration != null) {
                Mono.delay(duration).subscribe(t -> {
                    log.info("--duration {} reached: draining", duration);
                    drain();
                });
            }
            if (keeper != null) {
                sink.connect();
                keeper.start();
            }
            awaitDone();
            finishStatuses(statuses);
            String delivery = sink.finish();
            if (delivery != null) {
                Report.to(err, delivery);
            }
            sink.close();
            if (keeper != null) {
                keeper.release(Duration.ofSeconds(5));
            }
            if (terminated.get()) {
                long inFlight = engine.cameras().stream().mapToLong(c -> c.ledger().inFlight()).sum();
                log.warn("terminated: {} frames were in flight and produce no events", inFlight);
            }
            Report.to(err, summary.describe(engine, events.get()));
        } finally {
            engine.close();
            finished = true;
        }
        if (failure != null) {
            log.error("the pipeline failed", failure);
            return Main.EXIT_FATAL;
        }
        long lost = eventsLost();
        if (lost > 0) {
            Report.to(err, String.format("camflux: %d events were lost (events_lost_total by reason); exit status %d",
                    lost, Main.EXIT_EVENTS_LOST));
            return Main.EXIT_EVENTS_LOST;
        }
        return Main.EXIT_OK;
    }

    /** Events that will never be delivered, whatever the reason (broker buffer full, shutdown, a fenced lease). */
    private long eventsLost() {
        return LostEvents.total(registry);
    }

    /** The last state changes (DISCONNECTED) are still sent and confirmed, for a few seconds at most. */
    private void finishStatuses(CompletableFuture<Void> statuses) {
        if (!terminated.get()) {
            try {
                statuses.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                log.warn("the last status events were not all sent: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        statuses.cancel(true);
    }

    private void published(DetectionEvent event) {
        events.incrementAndGet();
        engine.recordPublished(event);
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
    public boolean brokerReady() {
        return sink.connected();
    }

    @Override
    public boolean leaseHeld() {
        return fence == null || fence.held();
    }

    @Override
    public int camerasStreaming() {
        return (int) engine.cameras().stream().filter(c -> c.state() == CameraState.STREAMING).count();
    }

    /** The cameras that should be streaming: paused ones are left out of the quorum. */
    @Override
    public int camerasTotal() {
        return (int) engine.cameras().stream().filter(c -> c.state() != CameraState.PAUSED).count();
    }

    @Override
    public void drain() {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        Duration grace = engine.config().http().drainGrace();
        summary.intakeStopped();
        log.info("draining: intake stopped; in-flight batches and events get up to {} s", grace.toSeconds());
        if (keeper != null) {
            keeper.drain();
        }
        engine.stopIntake().subscribe();
        startDeadline(grace.plus(ShutdownDeadline.SLACK));
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
        summary.intakeStopped();
        startDeadline(ShutdownDeadline.SLACK);
        log.info("terminating now");
        Disposable d = detections;
        if (d != null) {
            d.dispose();
        }
        done.countDown();
    }
}
