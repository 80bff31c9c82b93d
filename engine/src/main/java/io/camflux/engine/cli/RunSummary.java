package io.camflux.engine.cli;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraView;
import io.camflux.engine.DropReason;
import io.camflux.engine.FrameCounts;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a run did, in figures: per camera, per batch, and the process's CPU. Rates and CPU are over the intake
 * window (start until intake stopped), so a long drain does not dilute them; the drain's length is printed apart.
 */
final class RunSummary {
    private final long startNanos = System.nanoTime();
    private final long startCpuNanos = processCpuNanos();
    private final AtomicLong intakeEndNanos = new AtomicLong();
    private final AtomicLong intakeEndCpuNanos = new AtomicLong();

    /** Intake stopped (a drain, terminate or --duration): the first call counts. */
    void intakeStopped() {
        long cpu = processCpuNanos();
        if (intakeEndNanos.compareAndSet(0, System.nanoTime())) {
            intakeEndCpuNanos.set(cpu);
        }
    }

    String describe(CamFlux engine, long eventsWritten) {
        long now = System.nanoTime();
        boolean stopped = intakeEndNanos.get() != 0;
        long end = stopped ? intakeEndNanos.get() : now;
        double seconds = (end - startNanos) / 1e9;
        double drainSeconds = (now - end) / 1e9;
        double cpu = ((stopped ? intakeEndCpuNanos.get() : processCpuNanos()) - startCpuNanos) / 1e9;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "run summary: %.1f s of intake (then %.1f s to drain), %d detection events,"
                + " process CPU %.0f%% of one core (%.2f CPU-s per camera-second), %d cores%n", seconds, drainSeconds,
                eventsWritten, 100 * cpu / seconds, cpu / seconds / Math.max(1, engine.cameras().size()),
                Runtime.getRuntime().availableProcessors()));
        for (CameraView camera : engine.cameras()) {
            FrameCounts l = camera.ledger();
            sb.append(String.format(Locale.ROOT, "  %-12s decoded %6d (%.1f fps)  inferred %5d (%.2f fps)  dropped:",
                    camera.config().cameraUuid(), l.decodedCount(), l.decodedCount() / seconds,
                    l.releasedCount(DropReason.INFERRED), l.releasedCount(DropReason.INFERRED) / seconds));
            for (DropReason r : DropReason.values()) {
                if (r != DropReason.INFERRED) {
                    sb.append(' ').append(r.label()).append('=').append(l.releasedCount(r));
                }
            }
            sb.append("  in flight ").append(l.inFlight()).append('\n');
        }
        boolean several = engine.models().size() > 1;
        for (String model : engine.models()) {
            DistributionSummary batch = engine.meterRegistry().find("batch.size").tag("model", model).summary();
            Timer inference = engine.meterRegistry().find("inference.latency").tag("model", model).timer();
            if (batch != null && inference != null && batch.count() > 0) {
                // one line per model that ran, named when there are several
                sb.append(String.format(Locale.ROOT, "  %sbatches %d (%.1f/s), mean size %.2f, inference %.1f ms per"
                                + " batch (mean), %.1f ms per frame%n", several ? "model " + model + ": " : "",
                        batch.count(), batch.count() / seconds, batch.mean(), inference.mean(TimeUnit.MILLISECONDS),
                        inference.totalTime(TimeUnit.MILLISECONDS) / batch.totalAmount()));
            }
        }
        Timer e2e = engine.meterRegistry().find("e2e.latency").timer();
        if (e2e != null && e2e.count() > 0) {
            sb.append("  end-to-end latency");
            for (ValueAtPercentile p : e2e.takeSnapshot().percentileValues()) {
                sb.append(String.format(Locale.ROOT, " p%.0f %.0f ms", p.percentile() * 100, p.value(TimeUnit.MILLISECONDS)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
