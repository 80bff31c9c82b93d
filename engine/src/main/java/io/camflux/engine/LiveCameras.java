package io.camflux.engine;

import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.pipeline.CameraRun;
import io.camflux.engine.source.Camera;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The cameras of a running engine, changeable while it runs. The pipeline takes {@link #runs()}: every camera's
 * current run, then each run started later (add, resume, replace). Stopping a run ends that camera's frames only;
 * the cameras a change does not touch are not touched. A removed camera is forgotten once its run has ended and its
 * frames in flight are released: then its grab thread stops and its meters leave the registry (its
 * {@link io.camflux.engine.metrics.CameraMeters}, which registered every series tagged with its {@code camera_uuid}).
 */
final class LiveCameras implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveCameras.class);
    /** How long a removal waits for the removed camera's frames in flight before it frees the camera anyway. */
    private static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(30);

    /** A camera and what it owns: its grab thread and, unless paused, its run. */
    private static final class Entry {
        final Camera camera;
        final ExecutorService thread;
        CameraRun run;
        /** Its last run ended on its own (a file's end, reconnects given up). */
        boolean finished;
        final java.util.concurrent.atomic.AtomicBoolean freed = new java.util.concurrent.atomic.AtomicBoolean();

        Entry(Camera camera, ExecutorService thread) {
            this.camera = camera;
            this.thread = thread;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /**
     * Cameras removed and not yet freed, by id, with the removal's completion: a camera added again under the same
     * id starts once the old one is freed, so the old one's series cannot be shared with, or removed from, the new.
     */
    private final Map<String, Mono<Void>> retiring = new java.util.HashMap<>();
    private final Set<Sinks.Many<CameraRun>> runListeners = new LinkedHashSet<>();
    private final Set<Sinks.Many<Camera>> cameraListeners = new LinkedHashSet<>();
    private final BiFunction<SourceConfig, Scheduler, Camera> cameras;
    /** A camera's grab thread is named this and its id. */
    static final String THREAD_PREFIX = "camflux-grab-";
    private final Function<String, ExecutorService> threads;
    private final java.util.function.Consumer<String> forgotten;
    private final Scheduler timer;
    private final int maxSources;
    private boolean closed;

    /**
     * @param cameras    makes a camera for a source, reading on the given scheduler
     * @param threads    makes a camera's dedicated grab thread, by name
     * @param maxSources the most cameras at once; an add beyond it is refused
     * @param forgotten  told a camera's id once it has left the set and its resources are freed
     */
    LiveCameras(List<SourceConfig> initial, BiFunction<SourceConfig, Scheduler, Camera> cameras,
                Function<String, ExecutorService> threads, Scheduler timer, int maxSources,
                java.util.function.Consumer<String> forgotten) {
        this.forgotten = forgotten;
        this.cameras = cameras;
        this.threads = threads;
        this.timer = timer;
        this.maxSources = maxSources;
        if (initial.size() > maxSources) {
            throw new IllegalArgumentException("sources: " + initial.size() + " cameras, more than max_sources ("
                    + maxSources + ")");
        }
        initial.forEach(this::create);
    }

    /** Every camera's current run, then every run started later; a pipeline subscription's source of cameras. */
    Flux<CameraRun> runs() {
        return listen(runListeners, e -> e.run);
    }

    /** Every camera now, then every camera added later. */
    Flux<Camera> cameras() {
        return listen(cameraListeners, e -> e.camera);
    }

    private <T> Flux<T> listen(Set<Sinks.Many<T>> listeners, Function<Entry, T> current) {
        return Flux.defer(() -> {
            Sinks.Many<T> sink = Sinks.many().unicast().onBackpressureBuffer();
            synchronized (this) {
                for (Entry e : entries.values()) {
                    T value = current.apply(e);
                    if (value != null) {
                        sink.tryEmitNext(value);
                    }
                }
                listeners.add(sink);
            }
            return sink.asFlux().doFinally(signal -> {
                synchronized (this) {
                    listeners.remove(sink);
                }
            });
        });
    }

    /** The cameras now, paused ones included, in the order they were added. */
    synchronized List<Camera> snapshot() {
        return entries.values().stream().map(e -> e.camera).toList();
    }

    synchronized Camera camera(String cameraUuid) {
        Entry e = entries.get(cameraUuid);
        return e == null ? null : e.camera;
    }

    synchronized boolean isPaused(String cameraUuid) {
        Entry e = entries.get(cameraUuid);
        return e != null && e.run == null && !e.finished;
    }

    /**
     * Adds a camera and starts it; an error if its id is taken or the set is full. A camera of that id still being
     * removed is freed first.
     */
    Mono<CameraChange> add(SourceConfig source) {
        return Mono.defer(() -> {
            Mono<Void> before;
            synchronized (this) {
                before = retiring.getOrDefault(source.cameraUuid(), Mono.empty());
            }
            return before.onErrorResume(e -> Mono.empty()).then(addNow(source));
        });
    }

    private Mono<CameraChange> addNow(SourceConfig source) {
        return Mono.fromCallable(() -> {
            synchronized (this) {
                if (entries.containsKey(source.cameraUuid())) {
                    throw new IllegalArgumentException("camera " + source.cameraUuid() + " is already in the set");
                }
                checkRoom(1);
                create(source);
            }
            return new CameraChange(source.cameraUuid(), CameraChange.Kind.ADDED);
        });
    }

    /** Adds the camera, or replaces the one with its id when its config differs (only it restarts). */
    Mono<CameraChange> put(SourceConfig source) {
        return Mono.defer(() -> {
            Camera existing = camera(source.cameraUuid());
            if (existing == null) {
                return add(source);
            }
            if (existing.config().equals(source)) {
                return Mono.just(new CameraChange(source.cameraUuid(), CameraChange.Kind.UNCHANGED));
            }
            return retire(source.cameraUuid(), "replaced")
                    .then(add(source))
                    .thenReturn(new CameraChange(source.cameraUuid(), CameraChange.Kind.REPLACED));
        });
    }

    /** Stops the camera and forgets it once its frames in flight are released; an error if it is unknown. */
    Mono<CameraChange> remove(String cameraUuid) {
        return retire(cameraUuid, "removed").thenReturn(new CameraChange(cameraUuid, CameraChange.Kind.REMOVED));
    }

    /** Stops decoding and closes the connection; the camera stays in the set, PAUSED. */
    Mono<CameraChange> pause(String cameraUuid) {
        return Mono.defer(() -> {
            CameraRun run;
            synchronized (this) {
                Entry e = existing(cameraUuid);
                if (e.run == null) {
                    return Mono.just(new CameraChange(cameraUuid, CameraChange.Kind.UNCHANGED));
                }
                run = e.run;
                e.run = null;
                e.camera.endRunAs(CameraState.PAUSED, "paused", true);
            }
            run.stop();
            return run.ended().thenReturn(new CameraChange(cameraUuid, CameraChange.Kind.PAUSED));
        });
    }

    /** Reconnects a paused camera; frame ids go on from where they were. */
    Mono<CameraChange> resume(String cameraUuid) {
        return Mono.fromCallable(() -> {
            synchronized (this) {
                Entry e = existing(cameraUuid);
                if (e.run != null) {
                    return new CameraChange(cameraUuid, CameraChange.Kind.UNCHANGED);
                }
                start(e);
            }
            return new CameraChange(cameraUuid, CameraChange.Kind.RESUMED);
        });
    }

    /**
     * Makes the set what {@code desired} says: cameras not in it are removed, new ones added, changed ones
     * replaced, the rest left alone. Refused as a whole, changing nothing, if it holds more than max_sources.
     */
    Mono<List<CameraChange>> apply(List<SourceConfig> desired) {
        return apply(desired, "removed");
    }

    /** As {@link #apply(List)}; a removed camera's last status carries {@code removedReason}. */
    Mono<List<CameraChange>> apply(List<SourceConfig> desired, String removedReason) {
        return Mono.defer(() -> {
            if (desired.size() > maxSources) {
                return Mono.error(new IllegalArgumentException("sources: " + desired.size()
                        + " cameras, more than max_sources (" + maxSources + ")"));
            }
            Set<String> wanted = new LinkedHashSet<>();
            desired.forEach(s -> wanted.add(s.cameraUuid()));
            List<String> gone;
            synchronized (this) {
                gone = entries.keySet().stream().filter(id -> !wanted.contains(id)).toList();
            }
            return Flux.concat(Flux.fromIterable(gone).concatMap(id -> retire(id, removedReason)
                                    .thenReturn(new CameraChange(id, CameraChange.Kind.REMOVED))),
                            Flux.fromIterable(desired).concatMap(this::put))
                    .collectList();
        });
    }

    private Mono<Void> retire(String cameraUuid, String reason) {
        return Mono.defer(() -> {
            Entry e;
            synchronized (this) {
                e = existing(cameraUuid);
                entries.remove(cameraUuid);
                e.camera.endRunAs(CameraState.DISCONNECTED, reason, e.run != null);
            }
            CameraRun run = e.run;
            Mono<Void> ended = Mono.empty();
            if (run != null) {
                run.stop();
                ended = run.ended();
            }
            // freeing takes locks (the thread pool's, the registry's): not on the timer's non-blocking thread
            Mono<Void> free = Mono.fromRunnable(() -> free(e)).subscribeOn(Schedulers.boundedElastic()).then();
            Mono<Void> retired = ended.then(inFlightReleased(e.camera)).then(free)
                    .doOnCancel(() -> Schedulers.boundedElastic().schedule(() -> free(e)))
                    .doFinally(signal -> {
                        synchronized (this) {
                            retiring.remove(cameraUuid);
                        }
                    })
                    .cache();
            synchronized (this) {
                retiring.put(cameraUuid, retired);
            }
            return retired;
        });
    }

    /** Completes once none of the camera's frames is in flight (checked every 20 ms), or after a long wait. */
    private Mono<Void> inFlightReleased(Camera camera) {
        return Flux.interval(Duration.ZERO, Duration.ofMillis(20), timer)
                .filter(tick -> camera.ledger().inFlight() == 0)
                .next()
                .timeout(IN_FLIGHT_WAIT, Mono.fromRunnable(() -> log.warn("camera {}: {} frames still in flight {} after"
                        + " its removal; freeing it anyway", camera.config().cameraUuid(), camera.ledger().inFlight(),
                        IN_FLIGHT_WAIT)), timer)
                .then();
    }

    private void free(Entry e) {
        if (!e.freed.compareAndSet(false, true)) {
            return;
        }
        e.thread.shutdownNow();
        e.camera.ledger().meters().close();
        e.camera.retire();
        forgotten.accept(e.camera.cameraUuid());
    }

    private Entry existing(String cameraUuid) {
        Entry e = entries.get(cameraUuid);
        if (e == null) {
            throw new java.util.NoSuchElementException("no camera " + cameraUuid + " in the set");
        }
        return e;
    }

    private void checkRoom(int more) {
        if (entries.size() + more > maxSources) {
            throw new IllegalStateException("the set holds max_sources (" + maxSources + ") cameras already; "
                    + "remove one first or raise max_sources");
        }
    }

    /** Under the lock: a new camera with its thread, started, announced to camera listeners. */
    private void create(SourceConfig source) {
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
        ExecutorService thread = threads.apply(THREAD_PREFIX + source.cameraUuid());
        Entry e = new Entry(cameras.apply(source, Schedulers.fromExecutorService(thread)), thread);
        entries.put(source.cameraUuid(), e);
        cameraListeners.forEach(l -> l.tryEmitNext(e.camera));
        start(e);
    }

    private void start(Entry e) {
        CameraRun run = new CameraRun(e.camera);
        e.run = run;
        e.finished = false;
        run.ended().subscribe(null, null, () -> endedOnItsOwn(e, run));
        runListeners.forEach(l -> l.tryEmitNext(run));
    }

    /**
     * A run that ended without the set stopping it leaves its camera finished; once every camera is, the runs
     * flux completes, and with it the pipeline (a shard of files that all ended is done).
     */
    private synchronized void endedOnItsOwn(Entry e, CameraRun run) {
        if (run.stopped() || e.run != run) {
            return;
        }
        e.run = null;
        e.finished = true;
        if (!entries.isEmpty() && entries.values().stream().allMatch(x -> x.finished)) {
            runListeners.forEach(Sinks.Many::tryEmitComplete);
        }
    }

    /** Stops every grab thread, waiting for them until {@code deadlineNanos}; how many did not stop. */
    int close(long deadlineNanos) {
        List<Entry> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(entries.values());
            runListeners.forEach(Sinks.Many::tryEmitComplete);
            cameraListeners.forEach(Sinks.Many::tryEmitComplete);
        }
        all.forEach(e -> e.thread.shutdownNow());
        int stuck = 0;
        for (Entry e : all) {
            try {
                if (!e.thread.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    stuck++;
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return stuck;
    }

    @Override
    public void close() {
        close(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }
}
