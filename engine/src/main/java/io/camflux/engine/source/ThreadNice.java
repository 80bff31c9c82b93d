package io.camflux.engine.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the calling thread's scheduling priority (its Linux nice value). A camera's grab thread runs at a lower
 * priority the more cameras there are per core: hundreds of decoding threads at the normal priority take the CPU
 * from the few that answer probes and scrapes, run the detector and publish events, in proportion to their number
 * (256 cameras on 2 cores: /metrics answered in seconds). At {@link #forCameras} the cameras together weigh about as
 * much as one thread per core, so beside other work they still get their share. A lower priority needs no
 * privilege. Java has no call for it, so {@code renice} does it, once per thread, by the thread's id from
 * {@code /proc/thread-self}.
 *
 * <p>A camera's thread is lowered only once its camera streams ({@link #lowerWhenStreaming}, then
 * {@link #streaming}): connecting, probing and the first frames (where the JVM still loads and initialises the
 * classes and natives that every camera waits for) run at the normal priority. A thread at nice 14 holding a class
 * initialisation lock beside a busy host took 20 s to let 48 cameras start, against 2 s at the normal priority.
 */
public final class ThreadNice {
    private static final Logger log = LoggerFactory.getLogger(ThreadNice.class);
    /** The lowest priority there is. */
    public static final int LOWEST = 19;
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");
    private static final AtomicBoolean warned = new AtomicBoolean();
    private static final ThreadLocal<IntSupplier> WHEN_STREAMING = new ThreadLocal<>();

    private ThreadNice() {
    }

    /**
     * The nice value at which {@code cameras} threads weigh together about as much as {@code cores} threads at the
     * normal priority: the scheduler gives each nice step about 1.25 times less CPU. 0 up to one camera per core.
     */
    public static int forCameras(int cameras, int cores) {
        if (cameras <= cores) {
            return 0;
        }
        return (int) Math.min(LOWEST, Math.round(Math.log((double) cameras / cores) / Math.log(1.25)));
    }

    /**
     * The calling thread is to be lowered to {@code nice}, asked for then, at its first {@link #streaming}: a camera's
     * thread, as it starts.
     */
    public static void lowerWhenStreaming(IntSupplier nice) {
        WHEN_STREAMING.set(nice);
    }

    /**
     * The calling thread's camera streams: lowers the thread as {@link #lowerWhenStreaming} asked, once; nothing on
     * a thread that did not ask, or a second time.
     */
    public static void streaming() {
        IntSupplier nice = WHEN_STREAMING.get();
        if (nice != null) {
            WHEN_STREAMING.remove();
            int value = nice.getAsInt();
            if (value > 0) {
                lowerCurrentThread(value);
            }
        }
    }

    /** Sets the calling thread's nice value; false (said once a process) where the system does not allow it. */
    public static boolean lowerCurrentThread(int nice) {
        if (!Files.isSymbolicLink(THREAD_SELF)) {
            return warnOnce("no " + THREAD_SELF + " (not Linux)");
        }
        try {
            // "<pid>/task/<tid>": setpriority on a thread id sets that thread alone
            String tid = Files.readSymbolicLink(THREAD_SELF).getFileName().toString();
            Process renice = new ProcessBuilder("renice", "-n", Integer.toString(nice), "-p", tid)
                    .redirectErrorStream(true).start();
            String said = new String(renice.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!renice.waitFor(10, TimeUnit.SECONDS)) {
                renice.destroyForcibly();
                return warnOnce("renice did not finish within 10 s");
            }
            return renice.exitValue() == 0 || warnOnce("renice exited " + renice.exitValue() + ": " + said.strip());
        } catch (IOException | RuntimeException e) {
            // no renice on the PATH, or a JVM that may not start processes: the cameras keep the normal priority
            return warnOnce("cannot run renice: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean warnOnce(String why) {
        if (warned.compareAndSet(false, true)) {
            log.warn("the cameras' grab threads keep the normal priority ({}): with many cameras per core, probes,"
                    + " scrapes and the detector share the CPU with every grab thread", why);
        }
        return false;
    }
}
